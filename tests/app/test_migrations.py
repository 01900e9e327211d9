"""Migrations apply, roll back and match the tables the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

import app.db.schema  # noqa: F401  (registers every table on SQLModel.metadata)
from app.choices import RoundStatus, SessionState
from app.config import Settings
from app.db.engine import create_db_engine, read_session, write_session
from app.db.migrate import current_revision, downgrade, head_revision, upgrade
from app.db.tables import FocusSession, Participant, Round
from app.services.disclosure.published import published_round
from app.store import disclosures
from app.store.rollups import AnswerValue, write_answers
from framework.model import load_framework
from framework.scoring import Kind
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
    downgrade(engine, "0008")  # cell rollups, sharded: before rollups by statement
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


def count_of(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def answers_in(engine: Engine, session_id: int, round_id: int, ratings: list[int | Kind]) -> None:
    """One participant of the session per rating, each answering orange.practitioner.1 with it."""
    with write_session(engine) as db:
        changes: dict[int, dict[str, AnswerValue | None]] = {}
        for n, rating in enumerate(ratings):
            person = Participant(session_id=session_id, token_hash=f"migrated-{session_id}-{n}")
            db.add(person)
            db.flush()
            assert person.id is not None
            value = AnswerValue("rating", rating) if isinstance(rating, int) else AnswerValue(rating)
            changes[person.id] = {"orange.practitioner.1": value}
        write_answers(db, round_id=round_id, viewpoint="practitioner", changes=changes, new_participants=True)


def test_altering_participants_keeps_every_answer_on_the_way_down_and_up(settings: Settings) -> None:
    """On SQLite, 0009 alters `participants` by copying it: with foreign keys enforced, dropping the old
    table deleted every answer (ON DELETE CASCADE)."""
    engine = create_db_engine(settings)
    upgrade(engine)
    world = make_world(engine)
    answers_in(engine, world.session_a, world.round_a, [1, 2, 3])
    downgrade(engine, "0008")
    assert (count_of(engine, "participants"), count_of(engine, "answers")) == (3, 3)
    upgrade(engine)
    assert (count_of(engine, "participants"), count_of(engine, "answers")) == (3, 3)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # enforced again
    engine.dispose()


def test_undoing_disclosure_control_folds_statement_rollups_into_cells(settings: Settings) -> None:
    engine = create_db_engine(settings)
    upgrade(engine)
    world = make_world(engine)
    answers_in(engine, world.session_a, world.round_a, [1, 2, 2, 5, "dk"])
    downgrade(engine, "0008")
    with engine.connect() as connection:
        cells = connection.execute(
            text("SELECT round_id, arc, viewpoint, rated_1, rated_2, rated_5, dont_know FROM cell_rollups")
        )
        assert [tuple(row) for row in cells] == [(world.round_a, "orange", "practitioner", 1, 2, 1, 1)]
    engine.dispose()


def test_a_round_with_answers_gets_its_first_publication_showing_what_staff_saw(settings: Settings) -> None:
    engine = create_db_engine(settings)
    upgrade(engine)
    world = make_world(engine)
    answers_in(engine, world.session_a, world.round_a, [1, 2, 2, 5, 4, 3, "dk"])
    downgrade(engine, "0008")
    upgrade(engine)
    with read_session(engine) as db:
        latest = disclosures.latest_publication(db, round_id=world.round_a)
        assert latest is not None and latest.number == 1
        assert disclosures.latest_publication(db, round_id=world.round_b) is None  # no answers: none
        published = published_round(db, round_id=world.round_a, framework=load_framework(), min_group_size=5)
        db_round = db.get(Round, world.round_a)
        assert db_round is not None and db_round.status == RoundStatus.OPEN  # its focus group is still open
    cell = next(c for c in published.scores.cells if (c.arc, c.viewpoint) == ("orange", "practitioner"))
    assert (cell.n, cell.distribution, cell.dont_know) == (6, {"1": 1, "2": 2, "3": 1, "4": 1, "5": 1}, 1)
    assert published.statements[("practitioner", "orange.practitioner.1")].raters == 6
    engine.dispose()


def test_a_round_whose_focus_groups_are_all_closed_is_published_and_takes_no_more_answers(
    settings: Settings,
) -> None:
    engine = create_db_engine(settings)
    upgrade(engine)
    world = make_world(engine)
    answers_in(engine, world.session_a, world.round_a, [1, 2])
    with write_session(engine) as db:
        focus = db.get(FocusSession, world.session_a)
        assert focus is not None
        focus.state = SessionState.CLOSED
    downgrade(engine, "0008")
    upgrade(engine)
    with read_session(engine) as db:
        db_round = db.get(Round, world.round_a)
        assert db_round is not None and db_round.status == RoundStatus.CLOSED
        published = published_round(db, round_id=world.round_a, framework=load_framework(), min_group_size=5)
    cell = next(c for c in published.scores.cells if (c.arc, c.viewpoint) == ("orange", "practitioner"))
    assert cell.suppressed and cell.n is None  # two raters: as hidden as before
    engine.dispose()


def test_rater_totals_are_rebuilt_unreduced_from_the_answers(settings: Settings) -> None:
    """Before 0013 a participant who rated 3 and 3 was kept as the score 3/1; after it as (6, 2), so that a
    comparison resamples people with all their ratings."""
    engine = create_db_engine(settings)
    upgrade(engine)
    world = make_world(engine)
    with write_session(engine) as db:
        person = Participant(session_id=world.session_a, token_hash="migrated-two-ratings")
        db.add(person)
        db.flush()
        assert person.id is not None
        both = {code: AnswerValue("rating", 3) for code in ("orange.practitioner.1", "orange.practitioner.2")}
        write_answers(db, round_id=world.round_a, viewpoint="practitioner", changes={person.id: both})
    downgrade(engine, "0012")
    with engine.begin() as connection:  # as the code before 0013 kept it
        connection.execute(text("UPDATE score_rollups SET score_num = 3, score_den = 1"))
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT arc, viewpoint, score_num, score_den, participants FROM score_rollups")
        )
        assert [tuple(row) for row in rows] == [("orange", "practitioner", 6, 2, 1)]
    engine.dispose()
