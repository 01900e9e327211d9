"""P9: publishing a round of 10 million answers, every disclosure check of design.md section 3a included.

``POST /api/rounds/{id}/publish`` through the whole app in-process (`TestClient`, the lead's token), on the
round of benchmarks.seed: 10 million answers, staff-entered paper sessions (the padding check reads their
answers), rooms' reveals in the ledger (the reveal check reads those rooms' answers now). Publishing decides
every cell and statement from the rollups, checks each against the ledger and writes the publication.

Two cases, 5 timed runs each after one untimed request (the process's first use):

- first publication: the round as its focus groups left it, never published;
- republication: published once, reopened, published again (every figure is also checked against the first
  publication).

Between runs the round is put back untimed: its publications and their audit events are deleted and it takes
answers again, in a committed transaction, so each timed run is a real publication with its commit. The
figure is the slowest run of each case, on SQLite (benchmarks/.data's 10M database, shared with P2) and on
PostgreSQL (a fresh schema, loaded with COPY, dropped afterwards). The floor is the same publication's
irreducible work with the bare driver: the round's rollup sums read, and as many rows as it wrote inserted
into a scratch table and committed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, select
from sqlmodel import col

from app.choices import RoundStatus
from app.db.disclosure_tables import DisclosedFigure, DisclosedScore, Disclosure
from app.db.engine import create_db_engine, read_session, write_session
from app.db.tables import AuditEvent, Round
from app.main import create_app
from app.services.disclosure import nestings
from app.services.disclosure.publication import PUBLISH_ACTIONS
from app.store.disclosures import PUBLICATION, latest_publication
from benchmarks import bench_scores
from benchmarks.common import (
    DATA_DIR,
    Result,
    disk_shortfall,
    headline,
    ratio,
    result,
    skipped,
    wait_for_quiet,
)
from benchmarks.publish_postgres import PublishTarget, postgres_round, settings_for

ID = "P9"
WHAT = "publishing a round of 10 million answers (POST /api/rounds/{id}/publish), every disclosure check"
TARGET = "<= 5 s, SQLite and PostgreSQL; P2 still met on the published round"
LIMIT_S = 5.0
RUNS = 5


def unpublish(engine: Engine, target: PublishTarget) -> None:
    """Put the round back as its focus groups left it: no publication, none counted today, taking answers."""
    with write_session(engine) as db:
        db.execute(
            delete(Disclosure).where(
                col(Disclosure.round_id) == target.round_id, col(Disclosure.kind) == PUBLICATION
            )
        )
        db.execute(
            delete(AuditEvent).where(
                col(AuditEvent.trust_id) == target.trust_id, col(AuditEvent.action).in_(PUBLISH_ACTIONS)
            )
        )
        db_round = db.get(Round, target.round_id)
        assert db_round is not None
        db_round.status = RoundStatus.OPEN
        db.add(db_round)


def measure(target: PublishTarget) -> dict[str, Any]:
    """The timed publications of `target`'s round; leaves it published once, as it was built."""
    engine = create_db_engine(target.settings)
    app = create_app(target.settings)
    headers = {"Authorization": f"Bearer {target.token}"}
    base = f"/api/rounds/{target.round_id}"
    try:
        with TestClient(app) as client:

            def post(action: str, expected: int) -> float:
                started = time.perf_counter()
                response = client.post(f"{base}/{action}", headers=headers)
                elapsed = time.perf_counter() - started
                if response.status_code != 200 or response.json().get("publication", expected) != expected:
                    raise SystemExit(f"{action} answered {response.status_code}: {response.text[:300]}")
                return elapsed

            unpublish(engine, target)
            untimed = post("publish", 1)
            quiet = wait_for_quiet(f"{ID} {target.label}")
            first, again = [], []
            for _ in range(RUNS):
                unpublish(engine, target)
                first.append(post("publish", 1))
            for _ in range(RUNS):
                unpublish(engine, target)
                post("publish", 1)
                post("reopen", 0)
                again.append(post("publish", 2))
            unpublish(engine, target)
            post("publish", 1)
            scores = client.get(f"{base}/scores", headers=headers)
            if scores.status_code != 200:
                raise SystemExit(f"the published round's scores answered {scores.status_code}")
        written = _written(engine, target.round_id)
        return {
            "first_publication_s": _summary(first),
            "republication_s": _summary(again),
            "first_request_s": round(untimed, 3),
            "parts_ms": _parts(engine, target.round_id),
            "written": written,
            "published_scores_answer": scores.status_code,
            "load": quiet,
        }
    finally:
        engine.dispose()


def _summary(seconds: list[float]) -> dict[str, Any]:
    ordered = sorted(seconds)
    return {
        "runs": [round(x, 3) for x in seconds],
        "median": round(ordered[len(ordered) // 2], 3),
        "max": round(ordered[-1], 3),
        "min": round(ordered[0], 3),
    }


def _written(engine: Engine, round_id: int) -> dict[str, int]:
    """What the round's publication holds: figures (cells and statements, shown or not) and score rows."""
    with read_session(engine) as db:
        publication = latest_publication(db, round_id=round_id)
        assert publication is not None
        figures = select(col(DisclosedFigure.id)).where(col(DisclosedFigure.disclosure_id) == publication.id)
        counted = db.execute(
            select(func.count()).select_from(DisclosedFigure).where(col(DisclosedFigure.id).in_(figures))
        ).scalar_one()
        scores = db.execute(
            select(func.count()).select_from(DisclosedScore).where(col(DisclosedScore.figure_id).in_(figures))
        ).scalar_one()
        shown = db.execute(
            select(func.count())
            .select_from(DisclosedFigure)
            .where(
                col(DisclosedFigure.disclosure_id) == publication.id,
                col(DisclosedFigure.scope) == "cell",
                col(DisclosedFigure.rated_1).is_not(None),
            )
        ).scalar_one()
    return {"figures": int(counted), "score_rows": int(scores), "cells_shown": int(shown)}


def _parts(engine: Engine, round_id: int) -> dict[str, float]:
    """The reads of a publication one by one (median of 3, in ms): where its time goes."""
    parts: dict[str, Callable[[Any], object]] = {
        "live_figures": lambda db: nestings.live_figures(db, round_id),
        "earlier_figures": lambda db: nestings.earlier_figures(db, round_id),
        "reveal_nestings": lambda db: list(
            nestings.reveal_nestings(db, round_id, nestings.live_figures(db, round_id))
        ),
        "entered_raters": lambda db: nestings.entered_raters(
            db, round_id, {key.arc for key in nestings.live_figures(db, round_id)}
        ),
    }
    found = {}
    with read_session(engine) as db:
        for name, call in parts.items():
            times = []
            for _ in range(3):
                started = time.perf_counter()
                call(db)
                times.append(time.perf_counter() - started)
            found[name] = round(sorted(times)[1] * 1000, 2)
    return found


def floor(engine: Engine, round_id: int, rows: int) -> float:
    """The bare driver: the round's rollup sums read, `rows` rows written to a scratch table and committed
    (median of 5, in seconds)."""
    sums = ", ".join(f"sum({name})" for name in ("rated_1", "rated_2", "rated_3", "dont_know"))
    times = []
    postgres = engine.dialect.name == "postgresql"
    connection = engine.raw_connection()  # on SQLite in autocommit: transactions begin when told
    try:
        cursor = connection.cursor()
        cursor.execute("CREATE TABLE bench_floor_rows (a INTEGER, b INTEGER, c VARCHAR(60))")
        connection.commit()
        for _ in range(5):
            started = time.perf_counter()
            if not postgres:
                cursor.execute("BEGIN IMMEDIATE")
            cursor.execute(
                "SELECT arc, viewpoint, score_num, score_den, sum(participants) FROM score_rollups"
                f" WHERE round_id = {int(round_id)} GROUP BY 1, 2, 3, 4"
            )
            cursor.fetchall()
            cursor.execute(
                f"SELECT viewpoint, item_code, {sums} FROM statement_rollups"
                f" WHERE round_id = {int(round_id)} GROUP BY 1, 2"
            )
            cursor.fetchall()
            cursor.executemany(
                "INSERT INTO bench_floor_rows (a, b, c) VALUES (%s, %s, %s)"
                if postgres
                else "INSERT INTO bench_floor_rows (a, b, c) VALUES (?, ?, ?)",
                [(n, n, "x") for n in range(rows)],
            )
            if postgres:
                connection.commit()
            else:
                cursor.execute("COMMIT")
            times.append(time.perf_counter() - started)
        cursor.execute("DROP TABLE bench_floor_rows")
        connection.commit()
    finally:
        connection.close()
    return sorted(times)[2]


def _engine_result(target: PublishTarget) -> dict[str, Any]:
    print(f"{ID}: publishing the {target.label} round, {RUNS} times first and {RUNS} times again")
    measured = measure(target)
    engine = create_db_engine(target.settings)
    try:
        written = measured["written"]
        measured["floor_s"] = round(
            floor(engine, target.round_id, written["figures"] + written["score_rows"]), 3
        )
    finally:
        engine.dispose()
    return measured


def _sqlite_target(label: str) -> PublishTarget:
    database = bench_scores.ensure_database(label)
    return PublishTarget(
        label=f"sqlite {label}",
        settings=settings_for(f"sqlite:///{database.path}"),
        round_id=database.round_id,
        trust_id=database.trust_id,
        token=database.token,
    )


def run() -> Result:
    shortfall = disk_shortfall(
        DATA_DIR, sum(bench_scores.needed_bytes(label) for label in bench_scores.SIZES)
    )
    if shortfall:
        return _skipped(f"not enough disk for the databases: {shortfall}")
    measured: dict[str, Any] = {
        "sqlite_10k": _engine_result(_sqlite_target("10k")),
        "sqlite_10m": _engine_result(_sqlite_target("10m")),
    }
    with postgres_round() as (target, missing, build):
        if target is not None:
            measured["postgresql_10m"] = {**_engine_result(target), "database": build}
        else:
            measured["postgresql_10m"] = {"skipped": missing}
    checks = {}
    for name in ("sqlite_10m", "postgresql_10m"):
        if "skipped" in measured[name]:
            continue
        for case in ("first_publication_s", "republication_s"):
            checks[f"{name}_{case}_max"] = measured[name][case]["max"] <= LIMIT_S
        checks[f"{name}_published_scores_200"] = measured[name]["published_scores_answer"] == 200
    sqlite = measured["sqlite_10m"]
    value = sqlite["first_publication_s"]["max"]
    share = ratio(sqlite["first_publication_s"]["median"], sqlite["floor_s"])
    measured["growth_sqlite_10m_over_10k"] = ratio(
        sqlite["first_publication_s"]["median"], measured["sqlite_10k"]["first_publication_s"]["median"]
    )
    return result(
        id=ID,
        what=WHAT,
        target=TARGET,
        measured=measured,
        floor={
            "what": "the bare driver: the round's rollup sums read and as many rows as the publication wrote "
            "(figures and score rows) inserted into a scratch table and committed; median of 5, `floor_s` "
            "in each measured entry",
        },
        ratio=share,
        ratio_what="SQLite 10M first publication median / its floor",
        limits={"slowest_publication_s": LIMIT_S},
        checks=checks,
        passed=all(checks.values()),
        **headline(
            value=value,
            unit="s",
            value_what="slowest of 5 first publications at 10M on SQLite (PostgreSQL's in measured)",
            floor_ratio=share,
            floor_ratio_what="SQLite 10M first publication median / floor median",
        ),
    )


def _skipped(reason: str) -> Result:
    return skipped(id=ID, what=WHAT, target=TARGET, reason=reason)


if __name__ == "__main__":
    sys.exit("run it with: python -m benchmarks.run P9")
