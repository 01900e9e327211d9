"""The database: the engine and its transactions (`engine`), the tables (`tables`, `columns`; `core` for the
few statements run on them as plain Core) and the Alembic migrations that build them (`migrate`,
``migrations/``). Nothing here knows about HTTP or the services."""
