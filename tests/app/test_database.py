"""The engine: SQLite in WAL with durable commits and immediate write locks; PostgreSQL through psycopg 3."""

from __future__ import annotations

import gc
import sqlite3
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Executable, text
from sqlmodel import Session

from app import main
from app.config import Settings
from app.db.engine import (
    checkpoint_wal,
    create_db_engine,
    database_answers,
    database_url,
    find_rows_by_key,
    is_sqlite,
    read_session,
    write_session,
)
from app.store.rollup_statements import statements_of_dialect as statements_for_dialect


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'db' / 'rainbow.db'}")  # type: ignore[call-arg]


def test_sqlite_pragmas_are_set_on_every_connection(sqlite_settings: Settings) -> None:
    engine = create_db_engine(sqlite_settings)
    with engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == sqlite_settings.sqlite_busy_timeout_ms
    engine.dispose()


def test_the_sqlite_folder_is_created(sqlite_settings: Settings, tmp_path: Path) -> None:
    create_db_engine(sqlite_settings).dispose()
    assert (tmp_path / "db").is_dir()


def test_a_write_session_takes_the_write_lock_at_once(sqlite_settings: Settings, tmp_path: Path) -> None:
    engine = create_db_engine(sqlite_settings)
    other = sqlite3.connect(tmp_path / "db" / "rainbow.db", timeout=0, isolation_level=None)
    with write_session(engine) as session:
        session.execute(text("SELECT 1"))
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")  # free again once the write session has committed
    other.execute("ROLLBACK")
    other.close()
    engine.dispose()


def test_a_read_session_does_not_block_writers(sqlite_settings: Settings, tmp_path: Path) -> None:
    engine = create_db_engine(sqlite_settings)
    other = sqlite3.connect(tmp_path / "db" / "rainbow.db", timeout=0, isolation_level=None)
    with read_session(engine) as session:
        session.execute(text("SELECT 1"))
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    other.close()
    engine.dispose()


@pytest.mark.database
def test_a_write_session_commits_on_success_and_rolls_back_on_error(settings: Settings) -> None:
    engine = create_db_engine(settings)
    with write_session(engine) as session:
        session.execute(text("CREATE TABLE probe (n INTEGER)"))
    with write_session(engine) as session:
        session.execute(text("INSERT INTO probe VALUES (1)"))
    with pytest.raises(RuntimeError), write_session(engine) as session:
        session.execute(text("INSERT INTO probe VALUES (2)"))
        raise RuntimeError("abandon")
    with read_session(engine) as session:
        assert session.execute(text("SELECT n FROM probe")).scalars().all() == [1]
    engine.dispose()


@pytest.mark.database
def test_the_database_answers(settings: Settings) -> None:
    engine = create_db_engine(settings)
    assert database_answers(engine)
    engine.dispose()


def test_an_unreachable_database_does_not_answer() -> None:
    settings = Settings(_env_file=None, database_url="postgresql://nobody@127.0.0.1:1/none")  # type: ignore[call-arg]
    engine = create_db_engine(settings)
    assert not database_answers(engine)
    engine.dispose()


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    assert database_url("postgresql://u@h:5432/d").drivername == "postgresql+psycopg"
    assert database_url("postgresql+psycopg://u@h/d").drivername == "postgresql+psycopg"
    assert database_url("sqlite:///var/x.db").drivername == "sqlite"


def test_a_passive_checkpoint_copies_the_log_into_the_database_file(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "db" / "rainbow.db"
    engine = create_db_engine(sqlite_settings)
    with engine.connect() as connection:  # the engine's own pragmas, WAL among them
        connection.exec_driver_sql("SELECT 1")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint=0")  # so only our checkpoint copies anything
    writer.execute("CREATE TABLE filler (text TEXT)")
    writer.executemany("INSERT INTO filler VALUES (?)", [("x" * 1000,) for _ in range(500)])
    before = path.stat().st_size
    checkpoint_wal(engine)
    assert path.stat().st_size > before + 400_000
    writer.close()
    engine.dispose()


def test_a_serving_sqlite_app_checkpoints_its_log_from_the_background(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkpoints: list[object] = []
    monkeypatch.setattr(main, "WAL_CHECKPOINT_SECONDS", 0.01)
    monkeypatch.setattr(main, "checkpoint_wal", checkpoints.append)
    with TestClient(main.create_app(settings)):
        time.sleep(0.2)
    gc.unfreeze()
    sqlite = settings.database_url.startswith("sqlite")
    assert bool(checkpoints) == sqlite  # PostgreSQL keeps its own log


def test_a_serving_app_freezes_its_start_up_objects_out_of_the_garbage_collector(settings: Settings) -> None:
    gc.unfreeze()
    with TestClient(main.create_app(settings)):
        frozen = gc.get_freeze_count()
    gc.unfreeze()
    assert frozen > 10_000


def _plan(session: Session, statement: Executable, parameters: dict[str, object]) -> str:
    compiled = statement.compile(dialect=session.get_bind().dialect)
    rows = session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.construct_params(parameters))
    return "\n".join(row[0] for row in rows)


def test_rows_are_found_by_key_on_postgresql_even_without_statistics(migrated: Settings) -> None:
    engine = create_db_engine(migrated)
    if is_sqlite(engine):
        pytest.skip("PostgreSQL's planner: SQLite has no sequential-scan setting and picks the index itself")
    # A migrated database has never been analysed: PostgreSQL would read the whole answers table.
    lookup = statements_for_dialect("postgresql").current_answers
    with write_session(engine) as session:
        find_rows_by_key(session.connection())
        plan = _plan(session, lookup, {"ids": [1, 2, 3]})
    engine.dispose()
    assert "Seq Scan" not in plan
    assert "Index Cond: (participant_id = ANY" in plan
