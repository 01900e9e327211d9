"""Disclosure control (design.md section 3a): what may be shown, to whom and when. Every output asks here.

The rules are pure functions in `framework.disclosure`; this package applies them to the service's data:

- `publication`: publishing a round (its figures decided once, checked against everything shown before) and
  reopening it for late answers;
- `published`: a round's figures as its latest publication shows them, the only figures any output of a
  round gives (scores, comparisons, charts, pages, downloads), with comments and agreed ratings where the
  rules allow;
- `room`: what a focus group's room may see of its own answers (the reveal), recorded in the ledger;
- `coverage`: before publication, how close each arc is, with counts below k hidden;
- `raw_answers`: the leads' download of individual answers, generalised until every profile group has k;
- `peers`: where a trust sits among others, in sixths, recomputed at most once a day.
"""
