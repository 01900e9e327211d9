"""P2: ``GET /api/rounds/{id}/scores`` for a round of 10 million answers, against the same at 10 thousand.

Scores come from rollups kept in step with answers (app.store.rollups), so the time should not grow with the
number of answers. Two SQLite databases are built under benchmarks/.data/ (migrated by app.db.migrate.upgrade,
WAL), each holding one round of a trust: 8 arcs x 5 viewpoints, 5 statements a cell, participants in focus
sessions of one viewpoint and two arcs, each answering one or both of them, ratings 1-5 with some don't know
and not applicable. They are cached (with a generator version): the large one takes a minute or two.

`write_answers` manages about 40,000 answers/s, several minutes for 10 million, so answers are inserted with
raw sqlite3 in one transaction and the rollup rows are computed in Python from the same generated answers. The
shortcut is checked on every build: the rollups' answer counts must equal a GROUP BY over the answers, and on
the small database `rebuild_rollups` (the app's own repair) must reproduce the same scores.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.choices import Role, RoundStatus
from app.config import Settings
from app.db.engine import create_db_engine, read_session, write_session
from app.db.migrate import head_revision, upgrade
from app.db.tables import Membership, Round, Trust, User
from app.main import create_app
from app.store.rollup_rebuild import rebuild_rollups
from app.store.rollup_statements import CELL_COUNTERS
from app.store.rollups import ROLLUP_SHARDS, round_tallies
from app.store.staff_sessions import create_api_token
from benchmarks.common import (
    DATA_DIR,
    Result,
    disk_shortfall,
    ratio,
    result,
    skipped,
    summary_ms,
    time_calls,
)
from framework.model import DEFAULT_FRAMEWORK_FILE, Framework, load_framework
from surveys import parse_code

ID = "P2"
WHAT = "/api/rounds/{id}/scores with 10 million stored answers"
TARGET = "p95 <= 50 ms; time at 10M / time at 10k <= 2 (scores come from rollups, not a scan)"
P95_LIMIT_MS = 50.0
GROWTH_LIMIT = 2.0

#: Bump whenever the generated data change, so cached databases are rebuilt.
GENERATOR_VERSION = "4"  # 2: shards; 3: 8 shards, shard last in keys; 4: the covering index of sums
SIZES = {"10k": 10_000, "10m": 10_000_000}
WARMUP, SAMPLES = 20, 300

STATEMENTS_PER_CELL = 5
SESSION_SIZES = (10, 40)  # participants in one focus session, inclusive
VIEWPOINT_SHARES = {"child": 0.3, "practitioner": 0.3, "team": 0.15, "service": 0.15, "trust": 0.1}
DONT_KNOW, NOT_APPLICABLE, COMMENTED = 0.04, 0.02, 0.005
BATCH_PARTICIPANTS = 20_000
# The built 10M database takes about 180 bytes an answer (indexes and participants included); room for more.
BYTES_PER_ANSWER = 300
DISK_MARGIN = 1_000_000_000
BASE_TIME = datetime(2009, 3, 2, 9, 0)  # naive: stored as SQLAlchemy stores UTC timestamps on SQLite
BENCH_SECRET = "benchmark-secret-key-for-benchmark-databases-only"


def bench_settings(path: Path) -> Settings:
    """Settings for the app against a benchmark database, pinned so no developer setting changes the work."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite:///{path}",
        secret_key=BENCH_SECRET,
        min_group_size=5,
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
    reused: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "participants": self.participants,
            "focus_sessions": self.sessions,
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
    owner = _prepare(building, framework)
    counts = _fill(building, owner, framework, target)
    checks = _verify(building, owner.round_id, thorough=target <= 100_000)
    elapsed = time.perf_counter() - started
    _remove_database(path)
    building.replace(path)
    database = BenchDatabase(
        label=label,
        path=path,
        answers=counts["answers"],
        participants=counts["participants"],
        sessions=counts["sessions"],
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


@dataclass(frozen=True)
class _Owner:
    trust_id: int
    round_id: int
    lead_id: int
    token: str


def _prepare(path: Path, framework: Framework) -> _Owner:
    """Migrate, then add the trust, its lead (with an API token) and the round, through the app's own code."""
    engine = create_db_engine(bench_settings(path))
    try:
        upgrade(engine)
        with write_session(engine) as db:
            trust = Trust(name="Benchmark Trust")
            # No usable password: this lead only ever calls the API with a token.
            lead = User(email="lead@benchmark.example.org", password_hash="!")
            db.add_all([trust, lead])
            db.flush()
            assert trust.id is not None and lead.id is not None
            db.add(Membership(user_id=lead.id, trust_id=trust.id, role=Role.LEAD))
            db_round = Round(
                trust_id=trust.id,
                name="2009 baseline",
                framework_version=framework.version,
                status=RoundStatus.CLOSED,
                created_by_id=lead.id,
            )
            db.add(db_round)
            token = create_api_token(db, user_id=lead.id)
            db.flush()
            assert db_round.id is not None
            return _Owner(trust_id=trust.id, round_id=db_round.id, lead_id=lead.id, token=token)
    finally:
        engine.dispose()


@dataclass
class _Rollups:
    """The rollup rows of the generated answers, counted as `write_answers` would move them."""

    # Keyed as the rows are: (arc, viewpoint, shard, ...). The app writes each transaction to a random shard;
    # here a participant's shard is their id modulo the count, which fills every shard as real traffic does.
    scores: Counter[tuple[str, str, int, int, int]] = field(default_factory=Counter)
    cells: dict[tuple[str, str, int], list[int]] = field(default_factory=dict)

    def count_answer(self, participant_id: int, arc: str, viewpoint: str, counter: int) -> None:
        key = (arc, viewpoint, participant_id % ROLLUP_SHARDS)
        vector = self.cells.get(key)
        if vector is None:
            vector = self.cells[key] = [0] * len(CELL_COUNTERS)
        vector[counter] += 1

    def count_arc_score(
        self, participant_id: int, arc: str, viewpoint: str, total: int, ratings: int
    ) -> None:
        divisor = math.gcd(total, ratings)  # the score is kept as a reduced fraction
        shard = participant_id % ROLLUP_SHARDS
        self.scores[(arc, viewpoint, shard, total // divisor, ratings // divisor)] += 1


@dataclass
class _Batch:
    sessions: list[tuple[Any, ...]] = field(default_factory=list)
    participants: list[tuple[Any, ...]] = field(default_factory=list)
    answers: list[tuple[Any, ...]] = field(default_factory=list)


class _Generator:
    """Focus sessions, participants and answers, deterministic for a seed, with their rollups counted."""

    def __init__(self, framework: Framework, owner: _Owner, *, first_session: int, first_participant: int):
        if set(VIEWPOINT_SHARES) != set(framework.viewpoint_keys):
            raise SystemExit(f"VIEWPOINT_SHARES must name the viewpoints {framework.viewpoint_keys}")
        self.rng = random.Random(2009)
        self.owner = owner
        self.arcs = framework.arc_keys
        self.viewpoints = list(VIEWPOINT_SHARES)
        self.shares = list(VIEWPOINT_SHARES.values())
        # Each cell has its own typical rating, so the rainbow and the cells differ as real ones do.
        self.levels = {
            (arc, viewpoint): self.rng.uniform(1.8, 4.4) for arc in self.arcs for viewpoint in self.viewpoints
        }
        numbers = range(1, STATEMENTS_PER_CELL + 1)
        self.codes = {(a, v): tuple(f"{a}.{v}.{n}" for n in numbers) for a, v in self.levels}
        self.next_session = first_session
        self.next_participant = first_participant
        self.session: tuple[int, str, tuple[str, ...], str] | None = None
        self.left_in_session = 0
        self.rollups = _Rollups()
        self.sessions = self.participants = 0

    def batch(self, participants: int, answer_budget: int) -> _Batch:
        batch = _Batch()
        for _ in range(participants):
            if len(batch.answers) >= answer_budget:
                break
            self._participant(batch, answer_budget - len(batch.answers))
        return batch

    def _new_session(self, batch: _Batch) -> None:
        rng = self.rng
        session_id = self.next_session
        self.next_session += 1
        self.sessions += 1
        viewpoint = rng.choices(self.viewpoints, self.shares)[0]
        first = rng.randrange(len(self.arcs))
        second = (first + rng.randrange(1, len(self.arcs))) % len(self.arcs)
        chosen = (self.arcs[first], self.arcs[second])
        arcs = tuple(arc for arc in self.arcs if arc in chosen)  # in framework order, as sessions keep them
        stamp = _stamp(BASE_TIME + timedelta(minutes=10 * session_id))
        batch.sessions.append(
            (
                session_id,
                self.owner.round_id,
                self.owner.trust_id,
                self.owner.lead_id,
                viewpoint,
                ",".join(arcs),
                f"Benchmark focus group {session_id}",
                stamp,
            )
        )
        self.session = (session_id, viewpoint, arcs, stamp)
        self.left_in_session = rng.randint(*SESSION_SIZES)

    def _participant(self, batch: _Batch, budget: int) -> None:
        if self.left_in_session == 0:
            self._new_session(batch)
        assert self.session is not None
        session_id, viewpoint, session_arcs, stamp = self.session
        self.left_in_session -= 1
        rng = self.rng
        participant_id = self.next_participant
        self.next_participant += 1
        self.participants += 1
        batch.participants.append(
            (participant_id, session_id, f"{rng.getrandbits(256):064x}", stamp, stamp, stamp, "device")
        )
        which = rng.random()
        arcs = session_arcs if which >= 0.5 else session_arcs[:1] if which < 0.25 else session_arcs[1:]
        for arc in arcs:
            budget -= self._answer_arc(batch, participant_id, arc, viewpoint, stamp, budget)
            if budget <= 0:
                return

    def _answer_arc(
        self, batch: _Batch, participant_id: int, arc: str, viewpoint: str, stamp: str, budget: int
    ) -> int:
        rng = self.rng
        level = self.levels[(arc, viewpoint)] + rng.gauss(0, 0.6)  # this participant's view of the arc
        total = ratings = written = 0
        for code in self.codes[(arc, viewpoint)][:budget]:
            roll = rng.random()
            if roll < DONT_KNOW:
                batch.answers.append((participant_id, code, None, "dk", None, stamp))
                self.rollups.count_answer(participant_id, arc, viewpoint, 5)
            elif roll < DONT_KNOW + NOT_APPLICABLE:
                batch.answers.append((participant_id, code, None, "na", None, stamp))
                self.rollups.count_answer(participant_id, arc, viewpoint, 6)
            else:
                rating = min(5, max(1, round(level + rng.gauss(0, 0.7))))
                comment = "Benchmark comment." if rng.random() < COMMENTED else None
                batch.answers.append((participant_id, code, rating, "rating", comment, stamp))
                self.rollups.count_answer(participant_id, arc, viewpoint, rating - 1)
                total += rating
                ratings += 1
            written += 1
        if ratings:
            self.rollups.count_arc_score(participant_id, arc, viewpoint, total, ratings)
        return written


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


_SESSION_INSERT = (
    "INSERT INTO focus_sessions (id, round_id, trust_id, facilitator_id, viewpoint, arcs, title, created_at,"
    " state, children_comments, results_revealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'closed', 0, 1)"
)
_PARTICIPANT_INSERT = (
    "INSERT INTO participants (id, session_id, token_hash, joined_at, last_seen_at, submitted_at, source)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_ANSWER_INSERT = (
    "INSERT INTO answers (participant_id, item_code, rating, kind, comment, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)


def _fill(path: Path, owner: _Owner, framework: Framework, target: int) -> dict[str, int]:
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
        generator = _Generator(
            framework, owner, first_session=first_session, first_participant=first_participant
        )
        written = _insert_batches(connection, generator, target)
        _insert_rollups(connection, owner.round_id, generator.rollups)
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()
    return {"answers": written, "participants": generator.participants, "sessions": generator.sessions}


def _next_id(connection: sqlite3.Connection, table: str) -> int:
    return int(connection.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0])


def _insert_batches(connection: sqlite3.Connection, generator: _Generator, target: int) -> int:
    written = 0
    started = last_report = time.perf_counter()
    while written < target:
        batch = generator.batch(BATCH_PARTICIPANTS, target - written)
        connection.executemany(_SESSION_INSERT, batch.sessions)
        connection.executemany(_PARTICIPANT_INSERT, batch.participants)
        connection.executemany(_ANSWER_INSERT, batch.answers)
        written += len(batch.answers)
        now = time.perf_counter()
        if now - last_report >= 10 or written >= target:
            rate = written / (now - started)
            left = (target - written) / rate
            print(f"  {written:>12,} / {target:,} answers  {rate:>9,.0f}/s  ~{left:,.0f} s left", flush=True)
            last_report = now
    return written


def _insert_rollups(connection: sqlite3.Connection, round_id: int, rollups: _Rollups) -> None:
    connection.executemany(
        "INSERT INTO score_rollups (round_id, arc, viewpoint, shard, score_num, score_den, participants)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(round_id, *key, count) for key, count in sorted(rollups.scores.items())],
    )
    columns = ", ".join(CELL_COUNTERS)
    marks = ", ".join("?" for _ in CELL_COUNTERS)
    connection.executemany(
        f"INSERT INTO cell_rollups (round_id, arc, viewpoint, shard, {columns}) VALUES (?, ?, ?, ?, {marks})",
        [(round_id, *key, *vector) for key, vector in sorted(rollups.cells.items())],
    )


# --- checking the shortcut -----------------------------------------------------------------------------


def _verify(path: Path, round_id: int, *, thorough: bool) -> dict[str, Any]:
    """Prove the directly written rollups are the ones the app would keep; raise if they are not."""
    checks: dict[str, Any] = {}
    started = time.perf_counter()
    connection = sqlite3.connect(path)
    try:
        _check_cell_counts(connection, round_id)
        checks["cell_rollups_equal_answer_counts"] = True
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
            f"SELECT arc, viewpoint, {sums} FROM cell_rollups WHERE round_id = ? GROUP BY 1, 2", (round_id,)
        )
    }
    if stored != counted:
        raise SystemExit("benchmark database: cell_rollups do not match the answers; the generator is wrong")


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


def measure_scores(database: BenchDatabase) -> tuple[list[float], list[float]]:
    """Timed GETs of the round's scores through the whole app in-process, and of /healthz (the HTTP floor)."""
    app = create_app(bench_settings(database.path))
    url = f"/api/rounds/{database.round_id}/scores"
    headers = {"Authorization": f"Bearer {database.token}"}
    with TestClient(app) as client:
        _check_scores(client.get(url, headers=headers), database)

        def get_scores() -> None:
            if client.get(url, headers=headers).status_code != 200:
                raise RuntimeError(f"{url} did not answer 200")

        def get_health() -> None:
            if client.get("/healthz").status_code != 200:
                raise RuntimeError("/healthz did not answer 200")

        scores = time_calls(get_scores, samples=SAMPLES, warmup=WARMUP)
        health = time_calls(get_health, samples=SAMPLES, warmup=WARMUP)
    return scores, health


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
                f"SELECT arc, viewpoint, {sums} FROM cell_rollups WHERE round_id = ? GROUP BY 1, 2",
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
    print(f"{ID}: timing {SAMPLES} requests at 10k, then at 10M (after {WARMUP} warm-up requests each)")
    small_times, small_health = measure_scores(small)
    large_times, large_health = measure_scores(large)
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
            "method": "fastapi TestClient in-process, one lead's Bearer token, sequential requests",
        },
        floor={
            "what": "bare sqlite3 on an open connection: the round's score_rollups and cell_rollups rows",
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
