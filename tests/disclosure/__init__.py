"""The automated attacker (design.md section 3a, issue 13 part 9): a trust lead and a viewer who record every
figure the app gives them and try, by linear algebra, to work out what a small group of respondents said."""
