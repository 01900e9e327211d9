"""The database: the engine and its transactions (`engine`), the tables (`tables`, `columns`) and the Alembic
migrations that build them (`migrate`, ``migrations/``). Nothing here knows about HTTP or the services."""
