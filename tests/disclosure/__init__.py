"""The automated attacker (design.md section 3a, issue 13 part 9): a trust lead and a viewer who record every
figure the app gives them and try, by linear algebra, to work out what a small group of respondents said.

- `readers`: every output they can reach, read back into figures: the scores API, the arc page (its table and
  the aria labels of its distributions), the dashboard's chart text, the rainbow SVG's text, the CSV, the XLSX
  (with the lead's raw answers, added up per statement), the PDF's text, the room's results (JSON and page);
  coverage is checked to give no count below k, and arc and round scores to come from shown cells only.
- `truth`: the hidden respondents as the harness made them, the scope of each figure (which people, at which
  publication or reveal), and the quantities that must stay hidden: every group of fewer than k raters that
  a figure could be differenced down to (by focus group, by who typed them in, by arrival between
  disclosures), its sum and its count of each rating, and each respondent's own ratings and arc score.
- `algebra`: each figure as linear equations over one-hot unknowns (respondent, statement, rating); a
  quantity is determined iff its vector lies in the equations' row space (rank([A; v]) == rank(A)).
- `attacker`: plays the events through the HTTP routes (answers from tablets and facilitators' papers through
  the store, as those routes leave them) and records what it reads.

Not modelled: medians and spreads (not linear), comparisons with a baseline round and the gaps page (one round
is generated), and the cross-trust band, which test_attacks.py's attack 5 probes directly.

Run: `.venv/bin/pytest -p no:cacheprovider tests/disclosure` (25 generated rounds; 200 with CI=true, or set
RAINBOW_ATTACKER_EXAMPLES); the numbers are printed at the end of the run.
"""
