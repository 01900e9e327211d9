"""P9's round on PostgreSQL: benchmarks.seed's 10 million answers in a fresh schema, loaded with COPY.

The schema is migrated with the app's migrations and the trust, its staff and the round are added through the
app's code (`seed.prepare`); sessions, participants, answers and rollups then go in with COPY, in one
transaction. The rollups are checked against a GROUP BY over the answers, the rooms' reveals are recorded and
the round is published once, as on SQLite. The schema is dropped afterwards, whatever happened.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from app.config import Settings
from app.db.engine import create_db_engine
from app.store.rollup_statements import CELL_COUNTERS
from benchmarks import seed
from benchmarks.bench_scores import BENCH_SECRET
from benchmarks.bench_submit import POSTGRES_URL, postgres_missing, postgres_schema
from framework.model import DEFAULT_FRAMEWORK_FILE, load_framework

ANSWERS = 10_000_000
BATCH_PARTICIPANTS = 20_000


@dataclass(frozen=True)
class PublishTarget:
    """A database holding a generated round, and how to reach it."""

    label: str
    settings: Settings
    round_id: int
    trust_id: int
    token: str


def settings_for(database_url: str) -> Settings:
    """The app's settings for a benchmark database, pinned so no developer setting changes the work."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        secret_key=BENCH_SECRET,
        min_group_size=seed.MIN_GROUP_SIZE,
        comment_min_group_size=10,
        log_level="warning",
    )


@contextmanager
def postgres_round() -> Iterator[tuple[PublishTarget | None, str | None, dict[str, Any]]]:
    """(a target for the loaded round, None, what was built), or (None, why not, {})."""
    missing = postgres_missing()
    if missing:
        yield None, missing, {}
        return
    with postgres_schema() as (url, schema):
        settings = settings_for(url)
        build = load(settings, schema)
        print(f"postgresql: loaded in {build['load_seconds']} s, built in {build['build_seconds']} s")
        target = PublishTarget(
            label="postgresql 10M",
            settings=settings,
            round_id=build.pop("round_id"),
            trust_id=build.pop("trust_id"),
            token=build.pop("token"),
        )
        yield target, None, build


def load(settings: Settings, schema: str) -> dict[str, Any]:
    started = time.perf_counter()
    framework = load_framework(DEFAULT_FRAMEWORK_FILE)
    engine = create_db_engine(settings)
    try:
        owner = seed.prepare(engine, framework)
        counts = _copy(schema, owner, framework)
        loaded = time.perf_counter() - started
        _check_rollups(engine, owner.round_id)
        reveals = seed.record_reveals(engine, owner, counts.pop("revealed"))
        seed.publish_round(engine, owner)
    finally:
        engine.dispose()
    return {
        **counts,
        "room_reveals": reveals,
        "load_seconds": round(loaded, 1),
        "build_seconds": round(time.perf_counter() - started, 1),
        "round_id": owner.round_id,
        "trust_id": owner.trust_id,
        "token": owner.token,
    }


def _copy(schema: str, owner: seed.Owner, framework: Any) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(POSTGRES_URL, options=f"-csearch_path={schema}") as connection:
        connection.execute("SET TIME ZONE 'UTC'")  # the generated times are naive UTC
        connection.execute("SET synchronous_commit = off")  # a failed load is dropped with its schema
        generator = seed.Generator(framework, owner, first_session=1, first_participant=1)
        written = 0
        started = last_report = time.perf_counter()
        with connection.cursor() as cursor:
            while written < ANSWERS:
                batch = generator.batch(BATCH_PARTICIPANTS, ANSWERS - written)
                _copy_rows(cursor, "focus_sessions", seed.SESSION_COLUMNS, batch.sessions)
                _copy_rows(cursor, "participants", seed.PARTICIPANT_COLUMNS, batch.participants)
                _copy_rows(cursor, "answers", seed.ANSWER_COLUMNS, batch.answers)
                written += len(batch.answers)
                now = time.perf_counter()
                if now - last_report >= 10 or written >= ANSWERS:
                    rate = written / (now - started)
                    print(f"  postgresql: {written:>12,} / {ANSWERS:,} answers  {rate:>9,.0f}/s", flush=True)
                    last_report = now
            rollups = generator.rollups
            _copy_rows(cursor, "score_rollups", seed.SCORE_ROLLUP_COLUMNS, rollups.score_rows(owner.round_id))
            _copy_rows(
                cursor,
                "statement_rollups",
                seed.STATEMENT_ROLLUP_COLUMNS,
                rollups.statement_rows(owner.round_id),
            )
            for table in ("focus_sessions", "participants"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # type: ignore[arg-type]
                )
        connection.commit()
        connection.autocommit = True
        connection.execute("ANALYZE")
    return {
        "answers": written,
        "participants": generator.participants,
        "focus_sessions": generator.sessions,
        "participants_entered_by_staff": generator.entered,
        "revealed": generator.revealed,
    }


def _copy_rows(cursor: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _check_rollups(engine: Any, round_id: int) -> None:
    """The statement rollups' counts equal the answers counted straight from the answers table."""
    counted: dict[str, list[int]] = {}
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT item_code, kind, rating, count(*) FROM answers GROUP BY 1, 2, 3")
        )
        for code, kind, rating, count in rows:
            vector = counted.setdefault(code, [0] * len(CELL_COUNTERS))
            vector[rating - 1 if kind == "rating" else 5 if kind == "dk" else 6] += count
        sums = ", ".join(f"sum({name})" for name in CELL_COUNTERS)
        stored = {
            code: [int(x) for x in counts]
            for code, *counts in connection.execute(
                text(f"SELECT item_code, {sums} FROM statement_rollups WHERE round_id = :r GROUP BY 1"),
                {"r": round_id},
            )
        }
    if stored != counted:
        raise SystemExit("postgresql: statement_rollups do not match the answers; the generator is wrong")
