"""SIGKILL under load: 200 tablets answer while the server is killed and restarted at random moments.

Each tablet joins, then sends three submissions, each with its own Idempotency-Key, and retries anything not
acknowledged with the same key and body (a retry may go to the other process, as behind a load balancer)
until it is. New requests go through in batches between kills, so every kill lands while requests are in
flight however fast the servers are. Afterwards the database must hold every acknowledged answer exactly
once, as sent, each submission once, and rollups equal to a rebuild from the answers and to a tally of what
the tablets sent.

A join is not idempotent: when its reply is lost the tablet joins again, and the first participant may stay
behind with no answers. Those are counted, and must have nothing attached to them.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import Row, select, text
from sqlmodel import Session

from app.db.tables import Answer, IdempotentRequest, Participant
from app.identity import secret_hash
from app.store.rollup_rebuild import rebuild_rollups
from app.store.rollups import round_tallies
from framework.scoring import AnswerRecord, tally
from surveys import arc_of_code
from tests.faults.conftest import Room, Server, engine_for, make_room

T = TypeVar("T")

log = logging.getLogger(__name__)
SEED = 2010
TABLETS = 200
CONCURRENCY = 50
KILLS = 10
#: With two processes, this many of the kills take every process down at once; the others kill one.
KILLS_OF_ALL = 2
#: New requests let through between one kill and the next; 10 batches of at most 60 stay well inside the 800
#: requests the tablets make (200 joins, 600 submissions), so every kill lands while tablets are busy.
BATCH = (10, 60)
assert KILLS * BATCH[1] < TABLETS * 4, "a batch larger than the requests left would wait for ever"
DEADLINE_S = 120  # far beyond a normal run (~40 s): a stuck run fails instead of hanging
SERVER_ERRORS_ALLOWED = 5  # answers of 500 and over to one request, before the test calls it a bug
GROUPS = [
    ("child", "red,orange"),
    ("practitioner", "yellow,green"),
    ("team", "blue"),
    ("service", "indigo,violet"),
]
STAFF_PROFILE = {"sector": "health", "role_level": "frontline"}
CHILD_PROFILE = {"age_band": "8-10", "assisted": False}
Stored = tuple[str, int | None, str | None]  # kind, rating, comment


@dataclass
class Put:
    key: str
    body: dict[str, Any]
    reply: dict[str, Any] | None = None


@dataclass
class Tablet:
    number: int
    code: str
    viewpoint: str
    rng: random.Random
    token: str | None = None
    puts: list[Put] = field(default_factory=list)

    def plan(self, items: list[str]) -> list[Put]:
        """Three submissions: half the statements; the rest, a changed answer and one taken back; submit."""
        half = max(2, len(items) // 2)
        first = [self._answer(code) for code in items[:half]]
        second = [self._answer(code) for code in items[half:]]
        second += [self._answer(items[0]), {"item": items[1], "rating": None}]
        last = [] if self.number % 2 else [{"item": items[1], "rating": "na"}]
        profile = CHILD_PROFILE if self.viewpoint == "child" else STAFF_PROFILE
        bodies = [
            {"answers": first, "profile": profile, "submit": False},
            {"answers": second, "submit": False},
            {"answers": last, "submit": True},
        ]
        return [Put(key=f"{self.rng.getrandbits(128):032x}", body=body) for body in bodies]

    def _answer(self, code: str) -> dict[str, Any]:
        rating = self.rng.choice([1, 2, 3, 4, 5, 1, 2, 3, 4, 5, "dk", "na"])
        answer: dict[str, Any] = {"item": code, "rating": rating}
        if self.viewpoint != "child" and self.rng.random() < 0.2:
            answer["comment"] = f"tablet {self.number} on {code}"
        return answer

    def expected(self) -> dict[str, Stored]:
        """Every statement's final answer, replaying the acknowledged submissions in order."""
        answers: dict[str, Stored] = {}
        for put in self.puts:
            for answer in put.body["answers"]:
                rating = answer["rating"]
                if rating is None:
                    answers.pop(answer["item"], None)
                elif isinstance(rating, int):
                    answers[answer["item"]] = ("rating", rating, answer.get("comment"))
                else:
                    answers[answer["item"]] = (rating, None, answer.get("comment"))
        return answers


class Gate:
    """New requests (not retries) wait here until the chaos loop lets another batch through."""

    def __init__(self) -> None:
        self.started = 0
        self.allowed = 0
        self.changed = asyncio.Condition()

    async def admit(self) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: self.started < self.allowed)
            self.started += 1
            self.changed.notify_all()

    async def let_through(self, count: int) -> None:
        """Let `count` more requests start, and return once they have."""
        async with self.changed:
            self.allowed = self.started + count
            self.changed.notify_all()
            await self.changed.wait_for(lambda: self.started >= self.allowed)

    async def open(self) -> None:
        async with self.changed:
            self.allowed = 1 << 62
            self.changed.notify_all()


@dataclass
class Fleet:
    """The tablets' shared connection pool and what happened on the wire."""

    servers: list[Server]
    http: httpx.AsyncClient
    gate: Gate = field(default_factory=Gate)
    jitter: random.Random = field(default_factory=lambda: random.Random(SEED + 1))
    acknowledged: int = 0
    in_flight: int = 0
    retries: int = 0
    sent: Counter[str] = field(default_factory=Counter)
    restart_seconds: list[float] = field(default_factory=list)
    transport_errors: Counter[str] = field(default_factory=Counter)
    server_errors: Counter[int] = field(default_factory=Counter)

    async def send(self, tablet: Tablet, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send until some process answers below 500; a retry goes to the next process."""
        await self.gate.admit()
        attempt = errors = 0
        while True:
            server = self.servers[(tablet.number + attempt) % len(self.servers)]
            self.sent[path] += 1
            self.in_flight += 1
            try:
                response = await self.http.request(method, server.base_url + path, **kwargs)
            except httpx.TransportError as error:
                self.transport_errors[type(error).__name__] += 1
            else:
                if response.status_code < 500:
                    self.acknowledged += response.is_success
                    return response
                self.server_errors[response.status_code] += 1
                errors += 1
                # A process that answers is not being killed: the same error again and again is a bug.
                assert errors < SERVER_ERRORS_ALLOWED, f"{path}: {response.status_code} {response.text}"
            finally:
                self.in_flight -= 1
            attempt += 1
            self.retries += 1
            # Back off (20 ms doubling to 0.5 s): a storm of retries would slow the restart it waits for.
            await asyncio.sleep(min(0.5, 0.02 * 2**attempt) * self.jitter.uniform(0.5, 1.5))


async def play(fleet: Fleet, tablet: Tablet, limit: asyncio.Semaphore) -> None:
    async with limit:
        joined = await fleet.send(tablet, "POST", "/api/join", json={"code": tablet.code})
        assert joined.status_code == 200, f"tablet {tablet.number}: join answered {joined.text}"
        tablet.token = joined.json()["token"]
        items = [item["code"] for item in joined.json()["items"]]
        for put in tablet.plan(items):
            headers = {"Authorization": f"Bearer {tablet.token}", "Idempotency-Key": put.key}
            reply = await fleet.send(tablet, "PUT", "/api/responses", json=put.body, headers=headers)
            assert reply.status_code == 200, f"tablet {tablet.number}: submission answered {reply.text}"
            put.reply = reply.json()
            tablet.puts.append(put)


@dataclass(frozen=True)
class Kill:
    serving: int  # processes serving just before
    killed: int
    in_flight: int  # requests the tablets had in flight


async def chaos(fleet: Fleet, rng: random.Random) -> list[Kill]:
    """`KILLS` times: let a random batch of new requests start, wait a random moment, SIGKILL processes
    (all of them, or one of those serving, as planned), and start them again in the background."""
    kills: list[Kill] = []
    serving = set(fleet.servers)
    restarts: list[asyncio.Task[None]] = []
    # The first kill finds every process serving, so it takes them all; waiting for all again costs time.
    plan = ["all"] * (KILLS_OF_ALL - 1) + ["one"] * (KILLS - KILLS_OF_ALL)
    rng.shuffle(plan)
    plan.insert(0, "all")

    async def restart(server: Server, pause: float) -> None:
        await asyncio.sleep(pause)
        started = time.monotonic()
        server.start()
        await server.wait_ready_async(fleet.http)
        fleet.restart_seconds.append(time.monotonic() - started)
        serving.add(server)

    async def serving_at_least(count: int) -> None:
        while len(serving) < count:
            for task in restarts:
                if task.done() and task.exception():
                    raise task.exception()  # type: ignore[misc]
            await asyncio.sleep(0.01)

    for victims in plan:
        await serving_at_least(len(fleet.servers) if victims == "all" else 1)
        await fleet.gate.let_through(rng.randint(*BATCH))
        await asyncio.sleep(rng.uniform(0, 0.15))
        candidates = sorted(serving, key=lambda server: server.port)
        chosen = candidates if victims == "all" else [rng.choice(candidates)]
        kills.append(Kill(serving=len(candidates), killed=len(chosen), in_flight=fleet.in_flight))
        for server in chosen:
            server.kill()
            serving.discard(server)
            restarts.append(asyncio.create_task(restart(server, rng.uniform(0, 0.2))))
    await fleet.gate.open()
    await asyncio.gather(*restarts)
    return kills


async def run_tablets(servers: list[Server], room: Room) -> tuple[list[Tablet], Fleet, list[Kill]]:
    tablets = [
        Tablet(
            number=n,
            code=room.sessions[n % len(room.sessions)].code,
            viewpoint=room.sessions[n % len(room.sessions)].viewpoint,
            rng=random.Random(SEED * 1000 + n),
        )
        for n in range(TABLETS)
    ]
    no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))  # tablets use Bearer tokens only
    limits = httpx.Limits(max_connections=CONCURRENCY + 10, max_keepalive_connections=CONCURRENCY + 10)
    async with httpx.AsyncClient(timeout=20, limits=limits, cookies=no_cookies) as http:
        fleet = Fleet(servers=servers, http=http)
        limit = asyncio.Semaphore(CONCURRENCY)
        async with asyncio.timeout(DEADLINE_S), asyncio.TaskGroup() as group:
            killing = group.create_task(chaos(fleet, random.Random(SEED)))
            for tablet in tablets:
                group.create_task(play(fleet, tablet, limit))
        return tablets, fleet, killing.result()


@dataclass
class Findings:
    problems: list[str]
    participants: int
    orphans: int
    answers: int
    submissions: int
    integrity: list[str]


def check_database(url: str, room: Room, tablets: list[Tablet], *, sqlite: bool) -> Findings:
    """Compare the database with what the tablets were told: see the module docstring."""
    engine = engine_for(url)
    try:
        with Session(engine) as db:
            participants = {
                row.token_hash: row
                for row in db.execute(
                    select(
                        Participant.id,
                        Participant.token_hash,
                        Participant.submitted_at,
                        *(getattr(Participant, name) for name in (*STAFF_PROFILE, *CHILD_PROFILE)),
                    )
                )
            }
            answers = db.execute(
                select(Answer.participant_id, Answer.item_code, Answer.kind, Answer.rating, Answer.comment)
            ).all()
            keys = db.execute(select(IdempotentRequest.participant_id, IdempotentRequest.key)).all()
            integrity = list(db.scalars(text("PRAGMA integrity_check"))) if sqlite else []
            if sqlite:
                integrity += [
                    f"foreign key: {tuple(row)}" for row in db.execute(text("PRAGMA foreign_key_check"))
                ]
            rollups = round_tallies(db, round_id=room.round_id)
            rebuild_rollups(db, round_ids=[room.round_id])
            rebuilt = round_tallies(db, round_id=room.round_id)
            db.rollback()
    finally:
        engine.dispose()
    problems: list[str] = []
    stored: dict[int, dict[str, Stored]] = {}
    for participant_id, code, kind, rating, comment in answers:
        if code in stored.setdefault(participant_id, {}):
            problems.append(f"participant {participant_id} has {code} twice")
        stored[participant_id][code] = (kind, rating, comment)
    stored_keys = Counter(keys)
    records: list[AnswerRecord] = []
    mine: set[int] = set()
    for tablet in tablets:
        assert tablet.token is not None
        row = participants.get(secret_hash(tablet.token))
        if row is None:
            problems.append(f"tablet {tablet.number}: its acknowledged participant is missing")
            continue
        mine.add(row.id)
        problems += _check_tablet(tablet, row, stored.get(row.id, {}), stored_keys)
        records += [
            AnswerRecord(row.id, arc_of_code(code), tablet.viewpoint, code, kind, rating)  # type: ignore[arg-type]
            for code, (kind, rating, _comment) in tablet.expected().items()
        ]
    orphans = {row.id for row in participants.values()} - mine
    for orphan in sorted(orphans):
        if stored.get(orphan) or any(participant == orphan for participant, _key in stored_keys):
            problems.append(f"participant {orphan} belongs to no tablet but has answers or submissions")
    if rollups != rebuilt:
        problems.append("the rollups differ from a rebuild from the answers")
    if rollups != tally(records):
        problems.append("the rollups differ from a tally of what the tablets were told was saved")
    return Findings(
        problems=problems,
        participants=len(participants),
        orphans=len(orphans),
        answers=len(answers),
        submissions=len(keys),
        integrity=integrity,
    )


def _check_tablet(
    tablet: Tablet, participant: Row[Any], stored: dict[str, Stored], keys: Counter[tuple[int, str]]
) -> list[str]:
    problems = []
    expected = tablet.expected()
    if stored != expected:
        problems.append(f"tablet {tablet.number}: stored {stored}, acknowledged {expected}")
    for put in tablet.puts:
        times = keys[(participant.id, put.key)]
        if times != 1:
            problems.append(f"tablet {tablet.number}: submission {put.key} stored {times} times")
    if len(tablet.puts) != 3 or participant.submitted_at is None:
        problems.append(f"tablet {tablet.number}: acknowledged as submitted but not marked submitted")
    final = tablet.puts[-1].reply or {}
    if final.get("answered") != len(expected) or final.get("submitted") is not True:
        problems.append(f"tablet {tablet.number}: final reply {final}, expected {len(expected)} answered")
    profile = CHILD_PROFILE if tablet.viewpoint == "child" else STAFF_PROFILE
    if any(getattr(participant, name) != value for name, value in profile.items()):
        problems.append(f"tablet {tablet.number}: profile not stored as sent")
    return problems


def play_through_kills(
    url: str, directory: Path, *, processes: int, servers_to_stop: list[Server], sqlite: bool
) -> Findings:
    started = time.monotonic()
    room = make_room(url, groups=GROUPS)
    timings = {"setup": time.monotonic() - started}
    servers = [Server(database_url=url, directory=directory, name=f"server{n}") for n in range(processes)]
    servers_to_stop += servers
    for server in servers:
        server.start()
    for server in servers:
        server.wait_ready()
    timings["start"] = time.monotonic() - started - sum(timings.values())
    tablets, fleet, kills = run_in_own_loop(run_tablets(servers, room))
    timings["tablets"] = time.monotonic() - started - sum(timings.values())
    for server in servers:
        server.kill()  # the end is abrupt too: nothing may depend on a clean shutdown
    logs = "\n".join(server.log_text() for server in servers)
    findings = check_database(url, room, tablets, sqlite=sqlite)
    timings["check"] = time.monotonic() - started - sum(timings.values())
    acknowledged = sum(len(tablet.puts) for tablet in tablets)
    timings["total"] = time.monotonic() - started
    # The figures: run with -o log_cli=true --log-cli-level=INFO to see them.
    log.info("%s", summary(servers, kills, fleet, findings, acknowledged, timings))
    assert len(kills) == KILLS
    assert sum(1 for kill in kills if kill.in_flight > 0) >= KILLS - 2, "kills must land mid-request"
    assert "Traceback" not in logs, logs[-5000:]
    assert findings.problems == [], "\n".join(findings.problems[:20])
    assert acknowledged == findings.submissions == 3 * TABLETS
    assert findings.participants == TABLETS + findings.orphans
    return findings


def summary(
    servers: list[Server],
    kills: list[Kill],
    fleet: Fleet,
    findings: Findings,
    acknowledged: int,
    timings: dict[str, float],
) -> str:
    kill_text = " ".join(f"{kill.killed}/{kill.serving} with {kill.in_flight} in flight" for kill in kills)
    restarts = sorted(fleet.restart_seconds)
    return (
        f"{len(servers)} process(es), {sum(server.starts for server in servers)} starts; {len(kills)} kills "
        f"(killed/serving): {kill_text}; restarts took {restarts[0]:.1f}-{restarts[-1]:.1f} s. "
        f"{TABLETS} tablets: {fleet.sent['/api/join']} join requests, {findings.orphans} participants left "
        f"behind by lost joins; {acknowledged} submissions acknowledged, {findings.submissions} stored; "
        f"{findings.answers} answers; {fleet.retries} retries ({dict(fleet.transport_errors)}, server "
        f"errors {dict(fleet.server_errors)}); {len(findings.problems)} problems. Seconds: "
        + ", ".join(f"{name} {seconds:.1f}" for name, seconds in timings.items())
    )


def test_sqlite_keeps_every_acknowledged_answer_once_through_kills(
    tmp_path: Path, servers_to_stop: list[Server]
) -> None:
    url = f"sqlite:///{tmp_path / 'rainbow.db'}"
    findings = play_through_kills(url, tmp_path, processes=1, servers_to_stop=servers_to_stop, sqlite=True)
    assert findings.integrity == ["ok"]


def test_postgresql_with_two_processes_keeps_every_acknowledged_answer_once_through_kills(
    postgres_url: str, tmp_path: Path, servers_to_stop: list[Server]
) -> None:
    play_through_kills(postgres_url, tmp_path, processes=2, servers_to_stop=servers_to_stop, sqlite=False)


# --- a retry that races its original -----------------------------------------------------------------------

RACERS, COPIES = 10, 8


async def race_copies(server: Server, room: Room) -> list[tuple[int, str]]:
    """For RACERS participants, send COPIES of one submission (same key, same body) at the same moment, as
    a client does when it retries (or a load balancer fails over) while the first attempt is still running.
    Returns every (status, body)."""
    no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    replies: list[tuple[int, str]] = []
    async with httpx.AsyncClient(timeout=30, cookies=no_cookies) as http:
        for number in range(RACERS):
            joined = await http.post(f"{server.base_url}/api/join", json={"code": room.sessions[0].code})
            items = [item["code"] for item in joined.json()["items"]]
            body = {"answers": [{"item": code, "rating": 3} for code in items[:4]], "submit": False}
            headers = {"Authorization": f"Bearer {joined.json()['token']}", "Idempotency-Key": f"k{number}"}
            url = f"{server.base_url}/api/responses"
            copies = [http.put(url, json=body, headers=headers) for _ in range(COPIES)]
            replies += [(reply.status_code, reply.text) for reply in await asyncio.gather(*copies)]
    return replies


def assert_every_copy_got_the_first_reply(url: str, directory: Path, servers_to_stop: list[Server]) -> None:
    room = make_room(url, groups=GROUPS[1:2])
    server = Server(database_url=url, directory=directory)
    servers_to_stop.append(server)
    server.start()
    server.wait_ready()
    replies = run_in_own_loop(race_copies(server, room))
    assert Counter(status for status, _body in replies) == {200: RACERS * COPIES}
    assert len(set(replies)) == 1  # the same reply, byte for byte: 4 saved, 4 answered


def test_sqlite_copies_of_a_submission_racing_each_other_all_get_the_first_reply(
    tmp_path: Path, servers_to_stop: list[Server]
) -> None:
    assert_every_copy_got_the_first_reply(f"sqlite:///{tmp_path / 'rainbow.db'}", tmp_path, servers_to_stop)


def test_postgresql_copies_of_a_submission_racing_each_other_all_get_the_first_reply(
    postgres_url: str, tmp_path: Path, servers_to_stop: list[Server]
) -> None:
    assert_every_copy_got_the_first_reply(postgres_url, tmp_path, servers_to_stop)


def run_in_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` with asyncio in a thread of its own: Playwright's sync API (the browser tests, earlier
    in the same session) keeps an event loop running in the main thread, where asyncio.run() is refused."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
