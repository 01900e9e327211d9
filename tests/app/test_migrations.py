"""Migrations apply, roll back and match the tables the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import app.tables  # noqa: F401  (the declared tables)
from app.config import Settings
from app.database import create_db_engine
from app.migrate import current_revision, downgrade, head_revision, upgrade

pytestmark = pytest.mark.database


def test_a_new_database_is_brought_to_the_latest_revision(settings: Settings) -> None:
    engine = create_db_engine(settings)
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_migrating_twice_changes_nothing(settings: Settings) -> None:
    engine = create_db_engine(settings)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_every_migration_can_be_undone_and_redone(settings: Settings) -> None:
    engine = create_db_engine(settings)
    upgrade(engine)
    downgrade(engine, "base")
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_the_migrated_schema_matches_the_declared_tables(settings: Settings) -> None:
    engine = create_db_engine(settings)
    upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []
    engine.dispose()
