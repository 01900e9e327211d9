"""The pure domain: the One Children's Workforce framework as data and model (`model`), the scoring rules
(`scoring`), and the charts (`charts`).

Nothing here imports the web service (`app`) or touches a database.
"""
