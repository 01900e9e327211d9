"""The pure domain: the One Children's Workforce framework as data and model, and the rainbow's geometry.

Nothing here imports the web service (`app`) or touches a database.
"""
