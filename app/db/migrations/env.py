"""Alembic environment: migrates the database of the service's settings, or a connection it is given."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import app.db.schema  # noqa: F401  (registers every table on SQLModel.metadata)
from app.config import Settings
from app.db.engine import create_db_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = create_db_engine(Settings())
    with engine.connect() as fresh:
        _migrate(fresh)
    engine.dispose()


def _migrate(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, on=False)
    try:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,  # SQLite alters tables by copying them
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        if connection.in_transaction():
            connection.commit()
    finally:
        if sqlite:
            _sqlite_foreign_keys(connection, on=True)


def _sqlite_foreign_keys(connection: Connection, *, on: bool) -> None:
    """SQLite alters a table by copying it and dropping the old one: with foreign keys enforced, dropping it
    deletes every row of other tables that refers to it (ON DELETE CASCADE), all a round's answers when
    `participants` is altered. The pragma is a no-op inside a transaction, so it is set on the driver's
    connection, outside any (the engine's connections run in autocommit until SQLAlchemy begins one)."""
    if connection.in_transaction():
        connection.commit()
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


run_migrations()
