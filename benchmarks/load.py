"""Load: 20 focus groups of 30 tablets at once, and their facilitators watching, against real servers.

    .venv/bin/python -m benchmarks.load                                  # SQLite, one process
    .venv/bin/python -m benchmarks.load --postgres postgresql://postgres@127.0.0.1:5432/test
                                                                         # and PostgreSQL, two processes
    .venv/bin/python -m benchmarks.load --postgres URL --no-sqlite       # PostgreSQL only

Every tablet (a participant's Bearer token, no cookies) joins its group by code, saves its answers in a few
``PUT /api/responses`` (each with a new Idempotency-Key), then submits; between requests it waits as a person
answering would (``--think`` seconds on average). Each group's facilitator polls
``GET /api/sessions/{id}/progress`` every 2 s with a lead's token until the group has finished. Groups start
within the first 5 s and their tablets join within 3 s of the group's start: a hall filling up. Loopback
only: the servers are started here, on 127.0.0.1. A failed request is counted and not retried; a tablet whose
join failed stops there.

Reported per database: requests, failures (a transport error, a timeout, any status but 200) and their ratio
(target < 0.1%), p50/p95/p99 of each kind of request, the submission p95 (target < 500 ms), requests per
second, how late the load generator's own event loop ran, and whether every group's progress counted every
tablet that submitted. The figures go into benchmarks/results.json under "load", merged: other ids are kept,
and a database not run this time keeps its earlier figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import ssl
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, make_url, text

from benchmarks.common import (
    RESULTS_FILE,
    Result,
    free_port,
    headline,
    merge_results,
    now_iso,
    rainbow_env,
    rainbow_serve_command,
    result,
    running,
    scratch_dir,
    start_server,
    summary_ms,
    verdict,
    wait_for_quiet,
)

ID = "load"
WHAT = (
    "focus groups of tablets (join, saves, submit) and their facilitators polling progress every 2 s, "
    "against rainbow serve: SQLite with one process, PostgreSQL with two"
)
TARGET = "failure ratio < 0.1% and submit p95 < 500 ms"
FAILURE_RATIO_LIMIT = 0.001
SUBMIT_P95_LIMIT_MS = 500.0
GROUP_START_SPREAD_S = 5.0
JOIN_SPREAD_S = 3.0
POLL_EVERY_S = 2.0
REQUEST_TIMEOUT_S = 10.0
KINDS = ("join", "save", "submit", "progress")
#: Each group is one viewpoint and two arcs (10 statements), in turn.
VIEWPOINTS = ("child", "practitioner", "team", "service", "trust")
ARC_PAIRS = ("red,orange", "yellow,green", "blue,indigo", "violet,pink")
LIMITS = {"groups": (1, 100), "tablets": (1, 60), "saves": (1, 10), "think": (0.0, 30.0)}


@dataclass(frozen=True)
class Options:
    groups: int = 20
    tablets: int = 30
    saves: int = 3
    think: float = 10.0  # a person reading and answering a page of statements between saves
    seed: int = 2009
    timeout: float = 300.0


@dataclass(frozen=True)
class Group:
    session_id: int
    code: str
    viewpoint: str
    start: float  # seconds after the load begins


@dataclass
class Tally:
    """What happened to every request of one run."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    reasons: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    submitted: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # session id -> tablets
    counted: dict[int, int] = field(default_factory=dict)  # session id -> submitted, by its last progress
    tablets_finished: int = 0
    loop_lag: list[float] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(len(values) for values in self.latencies.values()) + sum(self.failures.values())


class Load:
    """The tablets and facilitators of one run.

    Each is a device of its own, with one connection: one client's pool of 600 connections would cost the
    load generator more than the servers (httpcore scans every pooled connection on every request).
    """

    def __init__(self, urls: Sequence[str], lead_token: str, options: Options) -> None:
        self.urls = list(urls)
        self.lead = {"Authorization": f"Bearer {lead_token}"}
        self.options = options
        self.tally = Tally()
        self._tls = ssl.create_default_context()  # unused on http://, but each client would load its own

    def device(self) -> httpx.AsyncClient:
        """A tablet's or a facilitator's own client: one connection, no cookies (it sends Bearer tokens)."""
        return httpx.AsyncClient(
            timeout=REQUEST_TIMEOUT_S,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
            verify=self._tls,
        )

    async def call(
        self, http: httpx.AsyncClient, kind: str, url: str, method: str, path: str, **kwargs: Any
    ) -> httpx.Response | None:
        """One request, timed; None when it failed (and it is counted as a failure)."""
        started = time.perf_counter()
        try:
            response = await http.request(method, url + path, **kwargs)
        except httpx.HTTPError as error:
            reason = type(error).__name__
        else:
            if response.status_code == 200:
                self.tally.latencies[kind].append(time.perf_counter() - started)
                return response
            reason = f"{kind} {response.status_code}: {response.text[:120]}"
        self.tally.failures[kind] += 1
        self.tally.reasons[reason] += 1
        return None

    async def tablet(self, group: Group, number: int) -> None:
        rng = random.Random(self.options.seed * 100_000 + number)
        url = self.urls[number % len(self.urls)]
        await asyncio.sleep(group.start + rng.uniform(0, JOIN_SPREAD_S))
        async with self.device() as http:
            joined = await self.call(http, "join", url, "POST", "/api/join", json={"code": group.code})
            if joined is None:
                return
            token, items = joined.json()["token"], [item["code"] for item in joined.json()["items"]]
            for save in range(self.options.saves):
                await asyncio.sleep(self._think(rng))
                answers = [_answer(code, rng) for code in items[save :: self.options.saves]]
                if await self._put(http, "save", url, token, {"answers": answers, "submit": False}) is None:
                    return
            await asyncio.sleep(self._think(rng))
            if await self._put(http, "submit", url, token, {"answers": [], "submit": True}) is not None:
                self.tally.submitted[group.session_id] += 1
                self.tally.tablets_finished += 1

    async def _put(
        self, http: httpx.AsyncClient, kind: str, url: str, token: str, body: dict[str, Any]
    ) -> httpx.Response | None:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
        return await self.call(http, kind, url, "PUT", "/api/responses", json=body, headers=headers)

    def _think(self, rng: random.Random) -> float:
        return rng.uniform(0.5, 1.5) * self.options.think

    async def facilitator(self, group: Group, number: int, tablets: asyncio.Future[Any]) -> None:
        """Poll the group's progress every POLL_EVERY_S until its tablets are done, then once more."""
        url = self.urls[number % len(self.urls)]
        path = f"/api/sessions/{group.session_id}/progress"
        await asyncio.sleep(group.start)
        async with self.device() as http:
            while True:
                finished = tablets.done()
                reply = await self.call(http, "progress", url, "GET", path, headers=self.lead)
                if finished:
                    if reply is not None:
                        self.tally.counted[group.session_id] = reply.json()["submitted"]
                    return
                await asyncio.wait([tablets], timeout=POLL_EVERY_S)

    async def watch_loop(self, stop: asyncio.Event) -> None:
        """How late this process's own event loop wakes: large lags would make the latencies its fault."""
        while not stop.is_set():
            asked = time.perf_counter()
            await asyncio.sleep(0.05)
            self.tally.loop_lag.append(time.perf_counter() - asked - 0.05)


def _answer(code: str, rng: random.Random) -> dict[str, Any]:
    return {"item": code, "rating": rng.choice([1, 2, 3, 3, 4, 4, 5, "dk"])}


async def play(
    urls: Sequence[str], lead_token: str, groups: Sequence[Group], options: Options
) -> tuple[Tally, bool]:
    """Run every tablet and facilitator; the tally, and whether the time allowed ran out first."""
    load = Load(urls, lead_token, options)
    stop = asyncio.Event()
    watcher = asyncio.create_task(load.watch_loop(stop))
    try:
        async with asyncio.timeout(options.timeout), asyncio.TaskGroup() as tasks:
            for index, group in enumerate(groups):
                people = [
                    tasks.create_task(load.tablet(group, index * options.tablets + n))
                    for n in range(options.tablets)
                ]
                tasks.create_task(load.facilitator(group, index, asyncio.gather(*people)))
    except TimeoutError:
        return load.tally, True
    finally:
        stop.set()
        await watcher
    return load.tally, False


# --- the databases and servers ---------------------------------------------------------------------------


def prepare(database_url: str, options: Options) -> tuple[str, list[Group]]:
    """Migrate, then add a trust, a round, a lead with an API token and the open sessions, through the app's
    own code. Returns the lead's token and the groups (with their start times)."""
    from app.choices import Role, SessionState
    from app.config import Settings
    from app.db.engine import create_db_engine, write_session
    from app.db.migrate import upgrade
    from app.db.tables import FocusSession, Membership, Round, Trust, User
    from app.store.focus_sessions import new_join_code
    from app.store.staff_sessions import create_api_token

    settings = Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]
    engine = create_db_engine(settings)
    rng = random.Random(options.seed)
    try:
        upgrade(engine)
        with write_session(engine) as db:
            trust = Trust(name="Loadshire Children's Trust")
            db.add(trust)
            db.flush()
            assert trust.id is not None
            db_round = Round(trust_id=trust.id, name="2010 re-assessment", framework_version="2009.1")
            lead = User(email="lead@loadshire.example.org", password_hash="!token-only")
            db.add_all([db_round, lead])
            db.flush()
            assert db_round.id is not None and lead.id is not None
            db.add(Membership(user_id=lead.id, trust_id=trust.id, role=Role.LEAD))
            token = create_api_token(db, user_id=lead.id)
            groups = []
            for index in range(options.groups):
                focus = FocusSession(
                    round_id=db_round.id,
                    trust_id=trust.id,
                    facilitator_id=lead.id,
                    viewpoint=VIEWPOINTS[index % len(VIEWPOINTS)],
                    arcs=ARC_PAIRS[index % len(ARC_PAIRS)],
                    title=f"Group {index + 1}",
                    state=SessionState.OPEN,
                    join_code=new_join_code(db),
                )
                db.add(focus)
                db.flush()  # so that the next new_join_code sees this one
                assert focus.id is not None and focus.join_code is not None
                start = rng.uniform(0, GROUP_START_SPREAD_S)
                groups.append(Group(focus.id, focus.join_code, focus.viewpoint, start))
            return token, groups
    finally:
        engine.dispose()


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A new schema on the PostgreSQL server at `url`, dropped afterwards; yields a URL that uses it."""
    from app.db.engine import database_url

    schema = f"load_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database_url(url))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        scoped = make_url(database_url(url)).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_scenario(
    name: str, database_url: str, work: Path, *, processes: int, options: Options
) -> dict[str, Any]:
    lead_token, groups = prepare(database_url, options)
    env = rainbow_env(database_url)
    servers = []
    for index in range(processes):
        port = free_port()
        log = work / f"{name}-{index}.log"
        servers.append(start_server(rainbow_serve_command(port), env=env, cwd=work, port=port, log=log))
    with running(*servers):
        quiet = wait_for_quiet(name)
        started = time.perf_counter()
        tally, timed_out = asyncio.run(play([server.url for server in servers], lead_token, groups, options))
        seconds = time.perf_counter() - started
    return figures(tally, processes=processes, seconds=seconds, timed_out=timed_out, options=options) | quiet


def figures(
    tally: Tally, *, processes: int, seconds: float, timed_out: bool, options: Options
) -> dict[str, Any]:
    requests, failed = tally.requests, sum(tally.failures.values())
    ratio = failed / requests if requests else 1.0
    by_kind = {
        kind: {
            **(summary_ms(tally.latencies[kind]) if tally.latencies[kind] else {"samples": 0}),
            "failures": tally.failures[kind],
        }
        for kind in KINDS
    }
    submit_p95 = by_kind["submit"].get("p95")
    counted_right = all(tally.counted.get(session) == count for session, count in tally.submitted.items())
    checks = {
        "failure_ratio_below_0.1%": ratio < FAILURE_RATIO_LIMIT,
        "submit_p95_below_500_ms": submit_p95 is not None and submit_p95 < SUBMIT_P95_LIMIT_MS,
        "progress_counted_every_submission": counted_right and len(tally.counted) == options.groups,
        "finished_in_time": not timed_out,
    }
    return {
        "processes": processes,
        "groups": options.groups,
        "tablets_per_group": options.tablets,
        "saves_per_tablet": options.saves,
        "think_s": options.think,
        "seconds": round(seconds, 1),
        "requests": requests,
        "failures": failed,
        "failure_ratio": round(ratio, 6),
        "failure_reasons": dict(sorted(tally.reasons.items(), key=lambda item: -item[1])[:10]),
        "requests_per_s": round(requests / seconds, 1) if seconds else None,
        "tablets_finished": tally.tablets_finished,
        "submit_p95_ms": submit_p95,
        "ms": by_kind,
        "load_generator_loop_lag_ms": summary_ms(tally.loop_lag) if tally.loop_lag else {},
        "checks": checks,
        "pass": all(checks.values()),
        "when": now_iso(),
    }


# --- the results ------------------------------------------------------------------------------------------


def entry_for(scenarios: dict[str, dict[str, Any]]) -> Result:
    worst = max(
        (s["submit_p95_ms"] for s in scenarios.values() if s["submit_p95_ms"] is not None), default=None
    )
    return result(
        id=ID,
        what=WHAT,
        target=TARGET,
        measured=scenarios,
        floor={"what": "none: the targets are absolute"},
        ratio=None,
        passed=all(s["pass"] for s in scenarios.values()),
        limits={"failure_ratio": FAILURE_RATIO_LIMIT, "submit_p95_ms": SUBMIT_P95_LIMIT_MS},
        **headline(
            value=worst,
            unit="ms",
            value_what="submit p95 (the worse database)",
            floor_ratio=None,
            floor_ratio_what="no floor: the targets are absolute",
        ),
    )


def earlier_scenarios(path: Path = RESULTS_FILE) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    entry = json.loads(path.read_text(encoding="utf-8")).get(ID) or {}
    return dict(entry.get("measured") or {})


def table(scenarios: dict[str, dict[str, Any]]) -> str:
    rows = [
        (
            "database",
            "procs",
            "requests",
            "failures",
            "ratio",
            "req/s",
            *(f"{k} p95" for k in KINDS),
            "result",
        )
    ]
    for name, s in scenarios.items():
        p95s = [s["ms"][kind].get("p95") for kind in KINDS]
        rows.append(
            (
                name,
                str(s["processes"]),
                str(s["requests"]),
                str(s["failures"]),
                f"{s['failure_ratio']:.3%}",
                f"{s['requests_per_s']}",
                *("-" if value is None else f"{value:.1f} ms" for value in p95s),
                verdict(s["pass"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    return "\n".join([lines[0], "  ".join("-" * width for width in widths), *lines[1:]])


def run(postgres_url: str | None = None, *, sqlite: bool = True, options: Options | None = None) -> Result:
    """Run the load on SQLite (one process) and, given a URL, on PostgreSQL (two); the results entry."""
    options = options or Options()
    scenarios: dict[str, dict[str, Any]] = {}
    with scratch_dir("load") as work:
        if sqlite:
            print(f"== load on SQLite, one process ({options.groups} groups of {options.tablets} tablets)")
            url = f"sqlite:///{work / 'rainbow.db'}"
            scenarios["sqlite"] = run_scenario("sqlite", url, work, processes=1, options=options)
        if postgres_url:
            print(
                f"== load on PostgreSQL, two processes ({options.groups} groups of {options.tablets} tablets)"
            )
            with postgres_schema(postgres_url) as url:
                scenarios["postgresql"] = run_scenario("postgresql", url, work, processes=2, options=options)
    return entry_for({**earlier_scenarios(), **scenarios})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres", metavar="URL", help="also run on this PostgreSQL server (two processes)"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--groups", type=int, default=Options.groups, help="focus groups (1-100)")
    parser.add_argument("--tablets", type=int, default=Options.tablets, help="tablets per group (1-60)")
    parser.add_argument("--saves", type=int, default=Options.saves, help="saves before the submit (1-10)")
    parser.add_argument("--think", type=float, default=Options.think, help="mean seconds between requests")
    parser.add_argument("--seed", type=int, default=Options.seed)
    parser.add_argument("--timeout", type=float, default=Options.timeout, help="seconds allowed per database")
    args = parser.parse_args(argv)
    for name, (low, high) in LIMITS.items():
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name} must be from {low} to {high}")
    if args.no_sqlite and not args.postgres:
        parser.error("--no-sqlite leaves nothing to run without --postgres")
    options = Options(args.groups, args.tablets, args.saves, args.think, args.seed, min(args.timeout, 1800))
    entry = run(args.postgres, sqlite=not args.no_sqlite, options=options)
    merge_results([entry])
    print(f"\n{table(entry['measured'])}\n\nmerged into {RESULTS_FILE} under {ID!r}")
    return 0 if entry["pass"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
