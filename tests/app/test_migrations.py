"""Migrations apply, roll back and match the tables the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import app.db.schema  # noqa: F401  (registers every table on SQLModel.metadata)
from app.config import Settings
from app.db.engine import create_db_engine
from app.db.migrate import current_revision, downgrade, head_revision, upgrade
from tests.factories import make_world

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


def test_undoing_rollup_shards_folds_each_cell_into_one_row(settings: Settings) -> None:
    engine = create_db_engine(settings)
    upgrade(engine)
    world = make_world(engine)
    with engine.begin() as connection:
        for shard, count in ((0, 2), (3, 5)):
            connection.execute(
                text(
                    "INSERT INTO score_rollups (round_id, arc, viewpoint, shard, score_num, score_den,"
                    " participants) VALUES (:round, 'red', 'team', :shard, 7, 2, :count)"
                ),
                {"round": world.round_a, "shard": shard, "count": count},
            )
            connection.execute(
                text(
                    "INSERT INTO cell_rollups (round_id, arc, viewpoint, shard, rated_1, rated_2, rated_3,"
                    " rated_4, rated_5, dont_know, not_applicable, version)"
                    " VALUES (:round, 'red', 'team', :shard, :count, 0, 0, 0, 0, 1, 0, 1)"
                ),
                {"round": world.round_a, "shard": shard, "count": count},
            )
    downgrade(engine, "0007")
    with engine.connect() as connection:
        scores = connection.execute(text("SELECT arc, score_num, score_den, participants FROM score_rollups"))
        cells = connection.execute(text("SELECT arc, rated_1, dont_know, version FROM cell_rollups"))
        assert [tuple(row) for row in scores] == [("red", 7, 2, 7)]
        assert [tuple(row) for row in cells] == [("red", 7, 2, 2)]
    engine.dispose()
