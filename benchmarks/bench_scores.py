"""P2: ``GET /api/rounds/{id}/scores`` for a round of 10 million answers, against the same at 10 thousand.

Scores come from rollups kept in step with answers (app.store.rollups), so the time should not grow with the
number of answers. Two SQLite databases are built under benchmarks/.data/ (migrated by app.db.migrate.upgrade,
WAL), each holding one published round of a trust (benchmarks.seed says what it holds). They are cached (with
a generator version): the large one takes a minute or two.

`write_answers` manages about 40,000 answers/s, several minutes for 10 million, so answers are inserted with
raw sqlite3 in one transaction and the rollup rows are computed in Python from the same generated answers. The
shortcut is checked on every build: the rollups' answer counts must equal a GROUP BY over the answers, and on
the small database `rebuild_rollups` (the app's own repair) must reproduce the same scores.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.config import Settings
from app.db.engine import create_db_engine, read_session
from app.db.migrate import head_revision
from app.main import create_app
from app.store.rollup_rebuild import rebuild_rollups
from app.store.rollup_statements import CELL_COUNTERS
from app.store.rollups import round_tallies
from benchmarks import seed
from benchmarks.common import (
    DATA_DIR,
    Result,
    disk_shortfall,
    ratio,
    result,
    skipped,
    summary_ms,
    time_calls,
    time_in_turn,
)
from framework.model import DEFAULT_FRAMEWORK_FILE, Framework, load_framework
from surveys import parse_code

ID = "P2"
WHAT = "/api/rounds/{id}/scores with 10 million stored answers"
TARGET = "p95 <= 50 ms; time at 10M / time at 10k <= 2 (scores come from rollups, not a scan)"
P95_LIMIT_MS = 50.0
GROWTH_LIMIT = 2.0

#: Bump whenever the generated data change, so cached databases are rebuilt.
#: 2: shards; 3: 8 shards, shard last in keys; 4: the covering index of sums; 5: statement rollups, paper
#: entries and reveals, published
GENERATOR_VERSION = "5"
SIZES = {"10k": 10_000, "10m": 10_000_000}
WARMUP, SAMPLES = 20, 300

BATCH_PARTICIPANTS = 20_000
# The built 10M database takes about 180 bytes an answer (indexes and participants included); room for more.
BYTES_PER_ANSWER = 300
DISK_MARGIN = 1_000_000_000
BENCH_SECRET = "benchmark-secret-key-for-benchmark-databases-only"


def bench_settings(path: Path) -> Settings:
    """Settings for the app against a benchmark database, pinned so no developer setting changes the work."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite:///{path}",
        secret_key=BENCH_SECRET,
        min_group_size=seed.MIN_GROUP_SIZE,
        comment_min_group_size=10,
        log_level="warning",
    )


@dataclass(frozen=True)
class BenchDatabase:
    label: str
    path: Path
    answers: int
    participants: int
    sessions: int
    round_id: int
    trust_id: int
    token: str  # a lead's API token; the database is throwaway benchmark data
    build_seconds: float
    built_at: str
    size_bytes: int
    checks: dict[str, Any] = field(default_factory=dict)
    entered_participants: int = 0  # whose answers staff typed in from paper
    reveals: int = 0  # rooms' reveals in the ledger
    reused: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "participants": self.participants,
            "focus_sessions": self.sessions,
            "participants_entered_by_staff": self.entered_participants,
            "room_reveals": self.reveals,
            "size_bytes": self.size_bytes,
            "size_gb": round(self.size_bytes / 1e9, 2),
            "build_seconds": round(self.build_seconds, 1),
            "built_at": self.built_at,
            "reused": self.reused,
            "checks": self.checks,
        }


def database_path(label: str) -> Path:
    return DATA_DIR / f"scores-{label}.db"


def needed_bytes(label: str) -> int:
    """Free disk a build of `label` needs; nothing when a usable build is already there."""
    return 0 if _cached(label) is not None else SIZES[label] * BYTES_PER_ANSWER + DISK_MARGIN


def ensure_database(label: str) -> BenchDatabase:
    """The benchmark database `label` ("10k" or "10m"), built unless a build of this generator is there."""
    cached = _cached(label)
    if cached is not None:
        print(f"{label}: reusing {cached.path} ({cached.answers:,} answers, built {cached.built_at})")
        return cached
    return _build(label)


def _cached(label: str) -> BenchDatabase | None:
    path = database_path(label)
    meta_path = path.with_suffix(".json")
    if not (path.exists() and meta_path.exists()):
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    wanted = {"generator": GENERATOR_VERSION, "answers": SIZES[label], "revision": head_revision()}
    if any(meta.get(key) != value for key, value in wanted.items()):
        return None
    fields = meta["database"]
    return BenchDatabase(**{**fields, "path": path, "size_bytes": path.stat().st_size, "reused": True})


# --- building ------------------------------------------------------------------------------------------


def _build(label: str) -> BenchDatabase:
    target = SIZES[label]
    path = database_path(label)
    building = path.with_name(path.name + ".building")
    _remove_database(building)
    print(f"{label}: building {target:,} answers in {building}")
    started = time.perf_counter()
    framework = load_framework(DEFAULT_FRAMEWORK_FILE)
    engine = create_db_engine(bench_settings(building))
    try:
        owner = seed.prepare(engine, framework)
        engine.dispose()  # the bulk load switches the journal off, with no other connection open
        counts = _fill(building, owner, framework, target)
        reveals = seed.record_reveals(engine, owner, counts.pop("revealed"))
        checks = _verify(building, owner.round_id, thorough=target <= 100_000)
        publishing = time.perf_counter()
        seed.publish_round(engine, owner)  # P2 and P3 read a published round; P9 times publishing it again
        checks["build_publish_seconds"] = round(time.perf_counter() - publishing, 2)
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - started
    _remove_database(path)
    building.replace(path)
    database = BenchDatabase(
        label=label,
        path=path,
        answers=counts["answers"],
        participants=counts["participants"],
        sessions=counts["sessions"],
        entered_participants=counts["entered"],
        reveals=reveals,
        round_id=owner.round_id,
        trust_id=owner.trust_id,
        token=owner.token,
        build_seconds=elapsed,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        size_bytes=path.stat().st_size,
        checks=checks,
    )
    fields = {k: v for k, v in asdict(database).items() if k not in ("path", "size_bytes", "reused")}
    meta = {
        "generator": GENERATOR_VERSION,
        "answers": target,
        "revision": head_revision(),
        "database": fields,
    }
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"{label}: built in {elapsed:.1f} s, {database.size_bytes / 1e9:.2f} GB")
    return database


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


_SESSION_INSERT = _insert("focus_sessions", seed.SESSION_COLUMNS)
_PARTICIPANT_INSERT = _insert("participants", seed.PARTICIPANT_COLUMNS)
_ANSWER_INSERT = _insert("answers", seed.ANSWER_COLUMNS)


def _fill(path: Path, owner: seed.Owner, framework: Framework, target: int) -> dict[str, Any]:
    """Insert the sessions, participants, answers and rollups in one transaction of raw sqlite3."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        # No journal and no syncs while building: a failed build is thrown away whole (it is only renamed
        # into place once checked), so nothing is lost by it, and a 10M-row transaction in WAL would write
        # every page twice. The finished file is switched to WAL below, as the service runs it.
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-1000000")  # 1 GB, so index pages stay in memory
        connection.execute("BEGIN")
        first_session = _next_id(connection, "focus_sessions")
        first_participant = _next_id(connection, "participants")
        generator = seed.Generator(
            framework, owner, first_session=first_session, first_participant=first_participant
        )
        written = _insert_batches(connection, generator, target)
        _insert_rollups(connection, owner.round_id, generator.rollups)
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()
    return {
        "answers": written,
        "participants": generator.participants,
        "sessions": generator.sessions,
        "entered": generator.entered,
        "revealed": generator.revealed,
    }


def _next_id(connection: sqlite3.Connection, table: str) -> int:
    return int(connection.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0])


def _insert_batches(connection: sqlite3.Connection, generator: seed.Generator, target: int) -> int:
    written = 0
    started = last_report = time.perf_counter()
    while written < target:
        batch = generator.batch(BATCH_PARTICIPANTS, target - written)
        connection.executemany(_SESSION_INSERT, _text_times(batch.sessions))
        connection.executemany(_PARTICIPANT_INSERT, _text_times(batch.participants))
        connection.executemany(_ANSWER_INSERT, _text_times(batch.answers))
        written += len(batch.answers)
        now = time.perf_counter()
        if now - last_report >= 10 or written >= target:
            rate = written / (now - started)
            left = (target - written) / rate
            print(f"  {written:>12,} / {target:,} answers  {rate:>9,.0f}/s  ~{left:,.0f} s left", flush=True)
            last_report = now
    return written


def _text_times(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows with their datetimes as SQLite's text, as SQLAlchemy writes them."""
    return [tuple(seed.stamp(v) if isinstance(v, datetime) else v for v in row) for row in rows]


def _insert_rollups(connection: sqlite3.Connection, round_id: int, rollups: seed.Rollups) -> None:
    for table, columns, rows in (
        ("score_rollups", seed.SCORE_ROLLUP_COLUMNS, rollups.score_rows(round_id)),
        ("statement_rollups", seed.STATEMENT_ROLLUP_COLUMNS, rollups.statement_rows(round_id)),
    ):
        connection.executemany(_insert(table, columns), rows)


# --- checking the shortcut -----------------------------------------------------------------------------


def _verify(path: Path, round_id: int, *, thorough: bool) -> dict[str, Any]:
    """Prove the directly written rollups are the ones the app would keep; raise if they are not."""
    checks: dict[str, Any] = {}
    started = time.perf_counter()
    connection = sqlite3.connect(path)
    try:
        _check_cell_counts(connection, round_id)
        checks["statement_rollups_equal_answer_counts"] = True
        checks["answer_count_scan_seconds"] = round(time.perf_counter() - started, 2)
        if thorough:
            problems = connection.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise SystemExit(f"benchmark database has broken foreign keys: {problems[:5]}")
            checks["foreign_keys_hold"] = True
    finally:
        connection.close()
    if thorough:
        read = _check_against_rebuild(path, round_id)
        checks["rollups_equal_rebuild_rollups"] = True
        checks["rebuild_answers_read"] = read
    print(f"  checked: {', '.join(name for name, value in checks.items() if value is True)}")
    return checks


def _check_cell_counts(connection: sqlite3.Connection, round_id: int) -> None:
    """Every cell rollup counter equals the answers counted straight from the answers table."""
    counted: dict[tuple[str, str], list[int]] = {}
    rows = connection.execute("SELECT item_code, kind, rating, count(*) FROM answers GROUP BY 1, 2, 3")
    for code, kind, rating, count in rows:
        arc, viewpoint, _n = parse_code(code)
        vector = counted.setdefault((arc, viewpoint), [0] * len(CELL_COUNTERS))
        vector[rating - 1 if kind == "rating" else 5 if kind == "dk" else 6] += count
    sums = ", ".join(f"sum({name})" for name in CELL_COUNTERS)
    stored = {
        (arc, viewpoint): list(counts)
        for arc, viewpoint, *counts in connection.execute(
            f"SELECT arc, viewpoint, {sums} FROM statement_rollups WHERE round_id = ? GROUP BY 1, 2",
            (round_id,),
        )
    }
    if stored != counted:
        raise SystemExit(
            "benchmark database: statement_rollups do not match the answers; the generator is wrong"
        )


def _check_against_rebuild(path: Path, round_id: int) -> int:
    """`rebuild_rollups` recomputes the rollups from the answers: their sums over shards must come out the
    same (a rebuild keeps one shard a cell, where writes spread over all of them).

    Runs in a transaction that is rolled back, so the database keeps the rollups as generated.
    """
    engine = create_db_engine(bench_settings(path))
    try:
        with read_session(engine) as db:
            tallies_before = round_tallies(db, round_id=round_id)
            read = rebuild_rollups(db, round_ids=[round_id])
            db.flush()
            tallies_after = round_tallies(db, round_id=round_id)
            db.rollback()
    finally:
        engine.dispose()
    if tallies_before != tallies_after:
        raise SystemExit("benchmark database: the rollups differ from rebuild_rollups' output")
    return read


# --- measuring -----------------------------------------------------------------------------------------


def measure_scores(small: BenchDatabase, large: BenchDatabase) -> dict[str, list[float]]:
    """Timed GETs of each round's scores through the whole app in-process, and of /healthz (the HTTP floor).
    The two rounds are asked in turn (`time_in_turn`): their ratio is a target, and timed one after the
    other, a spell of load on the machine during either would move it."""
    with ExitStack() as stack:
        scores: dict[str, Callable[[], object]] = {}
        health: dict[str, Callable[[], object]] = {}
        for database in (small, large):
            client = stack.enter_context(TestClient(create_app(bench_settings(database.path))))
            scores[database.label], health[database.label] = _calls(client, database)
        return {
            **{f"scores_{label}": times for label, times in _in_turn(scores).items()},
            **{f"health_{label}": times for label, times in _in_turn(health).items()},
        }


def _in_turn(calls: dict[str, Callable[[], object]]) -> dict[str, list[float]]:
    return time_in_turn(calls, samples=SAMPLES, warmup=WARMUP)


def _calls(client: TestClient, database: BenchDatabase) -> tuple[Callable[[], object], Callable[[], object]]:
    """A GET of the round's scores (checked once first) and one of /healthz, each raising unless 200."""
    url = f"/api/rounds/{database.round_id}/scores"
    headers = {"Authorization": f"Bearer {database.token}"}
    _check_scores(client.get(url, headers=headers), database)

    def get_scores() -> None:
        if client.get(url, headers=headers).status_code != 200:
            raise RuntimeError(f"{url} did not answer 200")

    def get_health() -> None:
        if client.get("/healthz").status_code != 200:
            raise RuntimeError("/healthz did not answer 200")

    return get_scores, get_health


def _check_scores(response: Any, database: BenchDatabase) -> None:
    if response.status_code != 200:
        raise SystemExit(f"scores answered {response.status_code}: {response.text[:300]}")
    framework = load_framework(DEFAULT_FRAMEWORK_FILE)
    cells = response.json()["cells"]
    expected = len(framework.arc_keys) * len(framework.viewpoint_keys)
    if len(cells) != expected or all(cell["suppressed"] for cell in cells):
        raise SystemExit(f"{database.label}: expected {expected} cells with figures, got {len(cells)} cells")


def measure_floor(database: BenchDatabase) -> list[float]:
    """The same rollup rows summed over their shards with bare sqlite3 on an open connection: no framework,
    ORM or scoring."""
    sums = ", ".join(f"sum({name})" for name in CELL_COUNTERS)
    connection = sqlite3.connect(database.path)
    try:

        def read_rollups() -> None:
            connection.execute(
                "SELECT arc, viewpoint, score_num, score_den, sum(participants) FROM score_rollups"
                " WHERE round_id = ? GROUP BY 1, 2, 3, 4",
                (database.round_id,),
            ).fetchall()
            connection.execute(
                f"SELECT arc, viewpoint, {sums} FROM statement_rollups WHERE round_id = ? GROUP BY 1, 2",
                (database.round_id,),
            ).fetchall()

        return time_calls(read_rollups, samples=SAMPLES, warmup=WARMUP)
    finally:
        connection.close()


def run() -> Result:
    shortfall = disk_shortfall(DATA_DIR, sum(needed_bytes(label) for label in SIZES))
    if shortfall:
        reason = f"not enough disk for the databases: {shortfall}"
        return skipped(id=ID, what=WHAT, target=TARGET, reason=reason)
    small, large = ensure_database("10k"), ensure_database("10m")
    print(
        f"{ID}: timing {SAMPLES} requests at 10k and at 10M, in turn (after {WARMUP} warm-up requests each)"
    )
    timed = measure_scores(small, large)
    small_times, small_health = timed[f"scores_{small.label}"], timed[f"health_{small.label}"]
    large_times, large_health = timed[f"scores_{large.label}"], timed[f"health_{large.label}"]
    small_ms, large_ms = summary_ms(small_times), summary_ms(large_times)
    floor_small, floor_large = summary_ms(measure_floor(small)), summary_ms(measure_floor(large))
    growth_p50 = large_ms["p50"] / small_ms["p50"]
    growth_p95 = large_ms["p95"] / small_ms["p95"]
    checks = {
        "p95_at_10m": large_ms["p95"] <= P95_LIMIT_MS,
        "growth_10m_over_10k": growth_p50 <= GROWTH_LIMIT,
    }
    return result(
        id=ID,
        what=WHAT,
        target=TARGET,
        measured={
            "at_10k_ms": small_ms,
            "at_10m_ms": large_ms,
            "growth_p50_10m_over_10k": round(growth_p50, 3),
            "growth_p95_10m_over_10k": round(growth_p95, 3),
            "database_10k": small.describe(),
            "database_10m": large.describe(),
            "method": (
                "fastapi TestClient in-process, one lead's Bearer token, sequential requests, "
                "10k and 10M in turn"
            ),
        },
        floor={
            "what": "bare sqlite3 on an open connection: the round's score_rollups and statement_rollups",
            "at_10k_ms": floor_small,
            "at_10m_ms": floor_large,
            "healthz_at_10k_ms": summary_ms(small_health),
            "healthz_at_10m_ms": summary_ms(large_health),
            "healthz_what": "GET /healthz through the same TestClient: the app's per-request floor",
        },
        ratio=ratio(large_ms["p50"], floor_large["p50"]),
        ratio_what="p50 at 10M / floor p50 at 10M",
        ratios={
            "p50_10m_over_sqlite_floor": ratio(large_ms["p50"], floor_large["p50"]),
            "p50_10m_over_healthz": ratio(large_ms["p50"], summary_ms(large_health)["p50"]),
        },
        limits={"p95_ms_at_10m": P95_LIMIT_MS, "growth_10m_over_10k": GROWTH_LIMIT},
        checks=checks,
        passed=all(checks.values()),
    )


if __name__ == "__main__":
    sys.exit("run it with: python -m benchmarks.run P2")
