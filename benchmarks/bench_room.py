"""P10: a national day of rooms on one process. 450 projector screens poll their room screen every 2 s and
450 facilitator pages poll their room's progress every 3 s (both with ``HX-Request``, as htmx does), while
P1's submissions run at 300 requests/s.

One ``rainbow serve`` on SQLite. Set-up through the API: 450 open sessions of practitioners, each with five
participants who rated its first statement and its answers revealed (so each screen shows a statement with
its chart, the heaviest screen there is), and one more session with 2,000 participants for the submissions.
The pollers are one asyncio client here (a fixed schedule each, first polls spread over the period); the
submissions are P1's wrk script, paced at 300 requests/s. Two timed phases: polling alone (the server's CPU
over it is what polling costs), then polling with the submissions (the latencies of both).

Targets (design.md section 6): polling costs ≤ 0.5 core; polling p95 ≤ 100 ms; submissions p95 ≤ 100 ms.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from benchmarks.bench_submit import (
    ANSWERS_PER_REQUEST,
    LoadTarget,
    join_many,
    migrated_rainbow,
    no_cookies,
    open_room,
    run_wrk,
    start_rainbow,
    write_load_data,
    write_script,
    wrk_missing,
)
from benchmarks.common import (
    Result,
    Server,
    headline,
    machine_cpu,
    machine_cpu_share,
    result,
    running,
    scratch_dir,
    skipped,
    summary_ms,
    wait_for_quiet,
)

ID = "P10"
WHAT = (
    "a national day of rooms on one process: 450 room screens polling every 2 s and 450 facilitator pages "
    "every 3 s, while P1's submissions run at 300 requests/s"
)
TARGET = "polling costs ≤ 0.5 core; polling p95 ≤ 100 ms; submissions still p95 ≤ 100 ms"
ROOMS = 450
SCREEN_EVERY_S, FACILITATOR_EVERY_S = 2.0, 3.0
SUBMISSIONS_PER_S = 300
PHASE_SECONDS = 20
RATERS_PER_ROOM = 5
POLL_CONNECTIONS = 32
LIMITS = {"polling_cores": 0.5, "poll_p95_ms": 100.0, "submit_p95_ms": 100.0}


async def _prepare_rooms(
    url: str, token: str, round_id: int, sessions: Sequence[int], codes: Sequence[str]
) -> None:
    """Five participants rate each room's first statement; then its answers are revealed."""
    staff = {"Authorization": f"Bearer {token}"}
    limit = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=url, timeout=60, cookies=no_cookies()) as client:

        async def one(session_id: int, code: str) -> None:
            async with limit:
                for rating in range(1, RATERS_PER_ROOM + 1):
                    joined = (await client.post("/api/join", json={"code": code})).json()
                    answer = {
                        "answers": [{"item": joined["items"][0]["code"], "rating": rating}],
                        "submit": True,
                    }
                    headers = {
                        "Authorization": f"Bearer {joined['token']}",
                        "Idempotency-Key": f"{code}-{rating}",
                    }
                    (await client.put("/api/responses", json=answer, headers=headers)).raise_for_status()
                revealed = await client.post(
                    f"/api/sessions/{session_id}/reveal", json={"revealed": True}, headers=staff
                )
                revealed.raise_for_status()

        await asyncio.gather(*(one(s, c) for s, c in zip(sessions, codes, strict=True)))


class _Connection:
    """One keep-alive HTTP/1.1 connection on asyncio streams: a GET and its whole answer, nothing more.

    httpx's pool scans its waiters on every request, which with 900 pollers costs the load generator more
    than the server; here each connection is a worker taking the polls that are due from one queue.
    """

    def __init__(self, host: str, port: int, headers: str) -> None:
        self.host, self.port, self.headers = host, port, headers
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.headers}\r\n".encode())
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = next(int(x.split(":", 1)[1]) for x in lines if x.lower().startswith("content-length:"))
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _poll(url: str, token: str, sessions: Sequence[int], seconds: float) -> dict[str, Any]:
    """Every room's screen every 2 s and its facilitator page every 3 s for `seconds`; their latencies (from
    sending to the whole answer) and how late the load generator sent them (its own lag)."""
    host, port = url.removeprefix("http://").split(":")
    headers = f"Authorization: Bearer {token}\r\nHX-Request: true\r\n"
    latencies: dict[str, list[float]] = {"screen": [], "facilitator": []}
    failures: dict[str, int] = {"screen": 0, "facilitator": 0}
    lag: list[float] = []
    rng = random.Random(2010)
    schedule = [
        (rng.uniform(0, every), every, kind, path)
        for s in sessions
        for kind, path, every in (
            ("screen", f"/facilitate/sessions/{s}/screen", SCREEN_EVERY_S),
            ("facilitator", f"/facilitate/sessions/{s}", FACILITATOR_EVERY_S),
        )
    ]
    due: asyncio.Queue[tuple[float, str, str]] = asyncio.Queue()
    start = time.perf_counter()

    async def clock() -> None:
        """Put each poll on the queue at its time."""
        pending = sorted((offset, every, kind, path) for offset, every, kind, path in schedule)
        while pending:
            offset, every, kind, path = pending.pop(0)
            if offset >= seconds:
                continue
            await asyncio.sleep(max(0.0, start + offset - time.perf_counter()))
            await due.put((start + offset, kind, path))
            nxt = (offset + every, every, kind, path)
            index = next((n for n, item in enumerate(pending) if item[0] > nxt[0]), len(pending))
            pending.insert(index, nxt)

    async def worker() -> None:
        connection = _Connection(host, int(port), headers)
        try:
            while True:
                when, kind, path = await due.get()
                sent = time.perf_counter()
                lag.append(sent - when)
                try:
                    ok = await asyncio.wait_for(connection.get(path), 10) == 200
                except (OSError, asyncio.IncompleteReadError, TimeoutError, StopIteration, ValueError):
                    connection.close()
                    connection = _Connection(host, int(port), headers)
                    ok = False
                if ok:
                    latencies[kind].append(time.perf_counter() - sent)
                else:
                    failures[kind] += 1
                due.task_done()
        finally:
            connection.close()

    workers = [asyncio.create_task(worker()) for _ in range(POLL_CONNECTIONS)]
    await clock()
    await due.join()
    for task in workers:
        task.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    elapsed = time.perf_counter() - start  # longer than `seconds` when the server fell behind the schedule
    every = latencies["screen"] + latencies["facilitator"]
    return {
        "requests": len(every),
        "scheduled_requests_per_s": round(len(sessions) * (1 / SCREEN_EVERY_S + 1 / FACILITATOR_EVERY_S), 1),
        "elapsed_s": round(elapsed, 1),
        "requests_per_s": round(len(every) / elapsed, 1),
        "failures": failures,
        "latency_ms": summary_ms(every) if every else {},
        "screen_ms": summary_ms(latencies["screen"]) if latencies["screen"] else {},
        "facilitator_ms": summary_ms(latencies["facilitator"]) if latencies["facilitator"] else {},
        "load_generator_lag_ms": summary_ms(lag) if lag else {},
    }


def _polling_alone(server: Server, token: str, sessions: Sequence[int]) -> dict[str, Any]:
    quiet = wait_for_quiet("P10 polling")
    cpu_before, machine_before = server.cpu_seconds(), machine_cpu()
    started = time.perf_counter()
    polled = asyncio.run(_poll(server.url, token, sessions, PHASE_SECONDS))
    seconds = time.perf_counter() - started
    polled["server_cores_used"] = round((server.cpu_seconds() - cpu_before) / seconds, 3)
    polled["machine"] = machine_cpu_share(machine_before, machine_cpu())
    polled["load"] = quiet
    return polled


def _polling_with_submissions(
    server: Server, token: str, sessions: Sequence[int], data_file: Path, script: Path, tokens: int
) -> dict[str, Any]:
    quiet = wait_for_quiet("P10 polling and submissions")
    target = LoadTarget(url=server.url, connections=50, first_token=1, token_count=tokens)
    outcome: dict[str, Any] = {}

    async def both() -> None:
        submissions = asyncio.to_thread(
            run_wrk,
            [target],
            seconds=PHASE_SECONDS,
            data_file=data_file,
            script=script,
            label="p10",
            rate=SUBMISSIONS_PER_S,
        )
        polled, submitted = await asyncio.gather(
            _poll(server.url, token, sessions, PHASE_SECONDS), submissions
        )
        outcome.update(polling=polled, submissions=submitted)

    cpu_before = server.cpu_seconds()
    started = time.perf_counter()
    asyncio.run(both())
    outcome["server_cores_used"] = round(
        (server.cpu_seconds() - cpu_before) / (time.perf_counter() - started), 3
    )
    outcome["load"] = quiet
    return outcome


def run() -> Result:
    missing = wrk_missing()
    if missing:
        return skipped(id=ID, what=WHAT, target=TARGET, reason=missing)
    with scratch_dir("room") as work:
        env, token = migrated_rainbow(work, f"sqlite:///{work / 'rainbow.db'}")
        server = start_rainbow(work, env)
        with running(server):
            print(f"== P10: setting up {ROOMS} rooms and the submissions' room")
            submitting = open_room(server.url, token, title="Submissions")
            tokens, _ = join_many(server.url, submitting.code)
            data_file = write_load_data(work / "tokens.txt", submitting.items, tokens)
            script = write_script(work)
            rooms = [
                open_room(server.url, token, title=f"Room {n}", round_id=submitting.round_id)
                for n in range(ROOMS)
            ]
            sessions = [room.session_id for room in rooms]
            asyncio.run(
                _prepare_rooms(server.url, token, submitting.round_id, sessions, [r.code for r in rooms])
            )
            asyncio.run(_poll(server.url, token, sessions, 4))  # warm: every screen's figures into the ledger
            alone = _polling_alone(server, token, sessions)
            print(
                f"  polling alone: {alone['requests_per_s']} requests/s, "
                f"p95 {alone['latency_ms'].get('p95')} ms, server {alone['server_cores_used']} cores"
            )
            together = _polling_with_submissions(server, token, sessions, data_file, script, len(tokens))
            print(
                f"  with submissions: polling p95 {together['polling']['latency_ms'].get('p95')} ms, "
                f"submissions p95 {together['submissions']['latency_ms']['p95']} ms at "
                f"{together['submissions']['requests_per_s']} requests/s"
            )
    return _entry(alone, together)


def _entry(alone: dict[str, Any], together: dict[str, Any]) -> Result:
    poll_p95 = max(alone["latency_ms"].get("p95", 1e9), together["polling"]["latency_ms"].get("p95", 1e9))
    submit_p95 = together["submissions"]["latency_ms"]["p95"]
    failures = sum(alone["failures"].values()) + sum(together["polling"]["failures"].values())
    checks = {
        "polling_cores_at_most_0.5": alone["server_cores_used"] <= LIMITS["polling_cores"],
        "polling_p95_at_most_100_ms": poll_p95 <= LIMITS["poll_p95_ms"],
        "submissions_p95_at_most_100_ms": submit_p95 <= LIMITS["submit_p95_ms"],
        "no_failed_polls": failures == 0,
        "no_failed_submissions": together["submissions"]["non_200"] == 0
        and together["submissions"]["socket_errors"] == 0,
    }
    return result(
        id=ID,
        what=WHAT,
        target=TARGET,
        measured={
            "rooms": ROOMS,
            "answers_per_submission": ANSWERS_PER_REQUEST,
            "polling_alone": alone,
            "polling_with_submissions": together,
            "checks": checks,
        },
        floor={"what": "none: the targets are absolute"},
        ratio=None,
        passed=all(checks.values()),
        limits=LIMITS,
        **headline(
            value=alone["server_cores_used"],
            unit="cores",
            value_what="server CPU spent on polling alone",
            floor_ratio=None,
            floor_ratio_what="no floor: the targets are absolute",
        ),
    )
