"""P1, P4, P5 and P7: answers submitted over HTTP to a real ``rainbow serve`` process.

P1  50 concurrent clients send ``PUT /api/responses`` (8 answers each, a participant's Bearer token and a
    fresh ``Idempotency-Key``) to one server on SQLite, for 12 s after 3 s of warm-up. The load tool is
    ``wrk`` with a Lua script (a separate process in C: it takes no GIL from the server and little CPU). 2,000
    participants join through ``POST /api/join`` first; requests take their tokens in turn, so no two
    concurrent requests share a participant. The floor is a bare Starlette app under the same uvicorn
    saving the same 8 rows with bare sqlite3 (WAL, synchronous=FULL, one transaction a request), under the
    same load from the same tool in the same run.
P5  The resident memory (VmRSS) of that server process right after P1's load; floor: the bare app's.
P4  A room bursts in: 60 participants start at once, each joining and then sending 8 answers with
    ``submit: true``, against a fresh server warmed by one other participant. Floor: the same burst against
    the bare app (its join stores a participant).
P7  P1's load against PostgreSQL, served by one ``rainbow serve`` and then by two (``rainbow serve`` has no
    ``--workers``, so two processes on two ports; the load is two wrk processes of 25 connections each,
    both on the one server or one on each). Floor: the bare app on PostgreSQL (psycopg), one process and two.
    Each run has a fresh PostgreSQL schema (dropped afterwards).
"""

from __future__ import annotations

import asyncio
import hashlib
import http.cookiejar
import json
import os
import queue
import random
import secrets
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from benchmarks.common import (
    REPO_ROOT,
    Result,
    Server,
    free_port,
    headline,
    machine_cpu,
    machine_cpu_share,
    rainbow_cli,
    rainbow_env,
    rainbow_serve_command,
    ratio,
    result,
    running,
    scratch_dir,
    skipped,
    start_server,
    summary_ms,
    wait_for_quiet,
)

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

CONNECTIONS = 50
ANSWERS_PER_REQUEST = 8
PARTICIPANTS = 2000
JOIN_CONCURRENCY = 16
WARMUP_SECONDS, MEASURE_SECONDS = 3, 12
VIEWPOINT, ARCS = "practitioner", ("orange", "green")  # 10 statements: 8 a request leaves room to vary

P1_RPS_LIMIT, P1_P95_LIMIT_MS, P1_FLOOR_SHARE = 300.0, 100.0, 0.25
P4_PARTICIPANTS, P4_P95_LIMIT_MS, P4_WINDOW_S = 60, 300.0, 2.0
P5_RSS_LIMIT_MB = 200.0
P7_SCALING_LIMIT = 1.6

# --- the load tool: wrk and its script -------------------------------------------------------------------

# Each wrk thread takes the tokens in turn (thread i: i, i + threads, ...), so 50 connections never send
# the same participant twice at once; every request gets a key of its own and 8 of the 10 statements (a
# window starting at random) with random ratings, one in six "dk". Non-200 replies are counted and the
# first is kept. done() prints one line of JSON, which the benchmark reads.
WRK_SCRIPT = r"""
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1]))
  items = {}
  for code in string.gmatch(file:read("*l"), "[^,]+") do items[#items + 1] = code end
  local first, count = tonumber(args[2]), tonumber(args[3])
  tokens = {}
  local index = 0
  for line in file:lines() do
    index = index + 1
    if index >= first and index < first + count then tokens[#tokens + 1] = line end
  end
  file:close()
  prefix = args[4]
  stride = tonumber(args[5])
  per_request = tonumber(args[6])
  rate = args[7]
  position = thread_id
  counter = 0
  bad = 0
  first_bad = ""
  math.randomseed(os.time() + thread_id * 7919)
end

function request()
  counter = counter + 1
  local token = tokens[(position % #tokens) + 1]
  position = position + stride
  local start = math.random(0, #items - 1)
  local answers = {}
  for k = 0, per_request - 1 do
    local code = items[((start + k) % #items) + 1]
    local roll = math.random(1, 6)
    local rating = roll == 6 and '"dk"' or tostring(roll)
    answers[#answers + 1] = '{"item":"' .. code .. '","rating":' .. rating .. '}'
  end
  local body = '{"answers":[' .. table.concat(answers, ",") .. '],"submit":false}'
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = prefix .. "-" .. thread_id .. "-" .. counter,
  }
  return wrk.format("PUT", "/api/responses", headers, body)
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 300) end
  end
end

local function quoted(text)
  return '"' .. string.gsub(text, '[%c"\\]', " ") .. '"'
end

function done(summary, latency, requests)
  local bad_total, first = 0, ""
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
    if first == "" then first = thread:get("first_bad") end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"non_200":%d,"first_non_200":%s,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p95":%d,"p99":%d,"mean":%.1f,"min":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes, bad_total, quoted(first),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.mean, latency.min, latency.max))
end
"""

# Appended for a paced run: requests leave at a steady rate (args[7] a second for this wrk process) instead of
# as soon as a connection is free, so the latency is that of a server offered the target load, not of one
# kept saturated by 50 clients that never pause. wrk's Lua is LuaJIT: its FFI reads a millisecond clock.
WRK_PACING = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *now);
]]
local clock = ffi.new("bench_timespec")
local next_slot = 0

local function now_ms()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

function delay()
  local interval = 1000 / tonumber(rate)
  local now = now_ms()
  if next_slot < now then next_slot = now end  -- behind: no burst to catch up
  local wait = next_slot - now
  next_slot = next_slot + interval
  return wait
end
"""


@dataclass(frozen=True)
class LoadTarget:
    """One wrk process: its connections go to `url` and take tokens first..first+count-1 (1-based)."""

    url: str
    connections: int
    first_token: int
    token_count: int


def run_wrk(
    targets: Sequence[LoadTarget],
    *,
    seconds: int,
    data_file: Path,
    script: Path,
    label: str,
    rate: float = 0,
) -> dict[str, Any]:
    """Run one wrk process per target at the same time; their figures, and the totals.

    With a `rate` (requests/s in all), the requests are paced (`WRK_PACING`), shared evenly by the processes.
    """
    if rate:
        script = script.with_name("submit-paced.lua")
    nonce = uuid.uuid4().hex[:10]
    processes = []
    for index, target in enumerate(targets):
        command = [
            "wrk",
            "-t1",
            f"-c{target.connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            target.url,
            "--",
            str(data_file),
            str(target.first_token),
            str(target.token_count),
            f"{label}-{nonce}-{index}",
            "1",  # one thread a wrk process: stride 1
            str(ANSWERS_PER_REQUEST),
            str(rate / len(targets)),
        ]
        processes.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = [process.communicate(timeout=seconds + 60) for process in processes]
    runs = []
    for process, (stdout, stderr) in zip(processes, outputs, strict=True):
        line = next((x for x in stdout.splitlines() if x.startswith("WRK_JSON ")), None)
        if process.returncode != 0 or line is None:
            raise SystemExit(f"wrk failed ({process.returncode}):\n{stdout}\n{stderr}")
        runs.append(json.loads(line.removeprefix("WRK_JSON ")))
    return _combine(runs)


def _combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    requests = sum(run["requests"] for run in runs)
    seconds = max(run["duration_us"] for run in runs) / 1e6
    non_200 = sum(run["non_200"] for run in runs)
    socket_errors = sum(
        run["errors"][kind] for run in runs for kind in ("connect", "read", "write", "timeout")
    )
    latency = [run["latency_us"] for run in runs]
    weights = [run["requests"] for run in runs]

    def weighted(name: str) -> float:
        return sum(x[name] * w for x, w in zip(latency, weights, strict=True)) / max(1, requests) / 1000

    combined: dict[str, Any] = {
        "requests": requests,
        "seconds": round(seconds, 3),
        "requests_per_s": round(requests / seconds, 1),
        "ok": requests - non_200,
        "non_200": non_200,
        "socket_errors": socket_errors,
        "first_non_200": next((run["first_non_200"] for run in runs if run["first_non_200"]), None),
    }
    if len(runs) == 1:
        combined["latency_ms"] = {name: round(value / 1000, 3) for name, value in latency[0].items()}
    else:
        # wrk gives percentiles, not samples: each process's are kept, and their request-weighted means.
        combined["latency_ms"] = {name: round(weighted(name), 3) for name in ("p50", "p95", "p99", "mean")}
        combined["latency_ms"]["max"] = round(max(x["max"] for x in latency) / 1000, 3)
        combined["latency_ms_by_load_process"] = [
            {name: round(value / 1000, 3) for name, value in x.items()} for x in latency
        ]
    return combined


def timed_load(
    label: str,
    targets: Sequence[LoadTarget],
    *,
    servers: Sequence[Server],
    data_file: Path,
    script: Path,
    rate: float = 0,
    warmup: bool = True,
) -> dict[str, Any]:
    """Wait for a quiet machine, warm up, then measure; the measurement's figures with the load average and
    the CPU the servers and the whole machine used meanwhile."""
    quiet = wait_for_quiet(label)
    warm = None
    if warmup:
        warm = run_wrk(
            targets, seconds=WARMUP_SECONDS, data_file=data_file, script=script, label=f"{label}-w"
        )
    load_at_measurement = round(os.getloadavg()[0], 2)
    cpu_before, machine_before = [s.cpu_seconds() for s in servers], machine_cpu()
    measured = run_wrk(
        targets, seconds=MEASURE_SECONDS, data_file=data_file, script=script, label=label, rate=rate
    )
    cpu = sum(s.cpu_seconds() for s in servers) - sum(cpu_before)
    machine = machine_cpu_share(machine_before, machine_cpu())
    if rate:
        measured["offered_requests_per_s"] = rate
    if warm is not None:
        measured["warmup"] = {k: warm[k] for k in ("requests", "requests_per_s", "non_200", "socket_errors")}
    measured["load"] = {**quiet, "loadavg_1m_after_warmup": load_at_measurement}
    measured["cpu"] = {
        "server_cores_used": round(cpu / measured["seconds"], 2),
        "server_cpu_ms_per_request": round(1000 * cpu / max(1, measured["requests"]), 2),
        "machine": machine,
    }
    latency = measured["latency_ms"]
    print(
        f"  {label}: {measured['requests_per_s']:.0f} requests/s, p50 {latency['p50']:.1f} ms, "
        f"p95 {latency['p95']:.1f} ms, {measured['non_200']} non-200, "
        f"{measured['socket_errors']} socket errors; server {measured['cpu']['server_cores_used']} cores, "
        f"{measured['cpu']['server_cpu_ms_per_request']} ms CPU a request; machine {machine}"
    )
    return measured


def write_load_data(path: Path, items: Sequence[str], tokens: Sequence[str]) -> Path:
    path.write_text(",".join(items) + "\n" + "\n".join(tokens) + "\n", encoding="utf-8")
    return path


def write_script(directory: Path) -> Path:
    """The wrk scripts, as fast as possible (returned) and paced (next to it, see `run_wrk`)."""
    (directory / "submit-paced.lua").write_text(WRK_SCRIPT + WRK_PACING, encoding="utf-8")
    path = directory / "submit.lua"
    path.write_text(WRK_SCRIPT, encoding="utf-8")
    return path


def wrk_missing() -> str | None:
    if shutil.which("wrk") is None:
        return "wrk is not installed (apt-get install -y wrk)"
    return None


# --- the floor: bare Starlette + sqlite3 (or psycopg) ----------------------------------------------------

FLOOR_DATABASE_ENV = "BENCH_FLOOR_DATABASE"
FLOOR_SCHEMA_ENV = "BENCH_FLOOR_SCHEMA"
_FLOOR_TABLES = (
    "CREATE TABLE IF NOT EXISTS floor_participants (id {serial}, token_hash VARCHAR(64) UNIQUE NOT NULL,"
    " joined_at VARCHAR(40) NOT NULL)",
    "CREATE TABLE IF NOT EXISTS floor_answers (id {serial}, participant VARCHAR(64) NOT NULL,"
    " item VARCHAR(60) NOT NULL, rating VARCHAR(8), saved_at VARCHAR(40) NOT NULL)",
)
_FLOOR_JOIN = "INSERT INTO floor_participants (token_hash, joined_at) VALUES ({p}, {p})"
_FLOOR_ANSWER = "INSERT INTO floor_answers (participant, item, rating, saved_at) VALUES ({p}, {p}, {p}, {p})"


class _SqliteFloor:
    """One connection, writes queued on a lock (SQLite has one writer; the lock spares its busy handler)."""

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=5000"):
            self.connection.execute(f"PRAGMA {pragma}")
        self.lock = threading.Lock()

    def write(self, statement: str, rows: list[tuple[str, ...]]) -> None:
        with self.lock:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                self.connection.executemany(statement.format(p="?"), rows)
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")


class _PostgresFloor:
    """A small pool of psycopg connections, one transaction a request."""

    def __init__(self, url: str, schema: str, size: int = 10) -> None:
        import psycopg

        self.pool: queue.Queue[Any] = queue.Queue()
        for _ in range(size):
            self.pool.put(psycopg.connect(url, autocommit=True, options=f"-csearch_path={schema}"))

    def write(self, statement: str, rows: list[tuple[str, ...]]) -> None:
        connection = self.pool.get()
        try:
            with connection.transaction(), connection.cursor() as cursor:
                cursor.executemany(statement.format(p="%s"), rows)
        finally:
            self.pool.put(connection)


def create_floor_tables(target: str, schema: str = "") -> None:
    """The floor's two tables, made before its processes start (two starting at once would race)."""
    if target.startswith("postgresql"):
        import psycopg

        with psycopg.connect(target, autocommit=True, options=f"-csearch_path={schema}") as connection:
            for statement in _FLOOR_TABLES:
                connection.execute(statement.format(serial="BIGSERIAL PRIMARY KEY"))  # type: ignore[arg-type]
        return
    connection = sqlite3.connect(target)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        for statement in _FLOOR_TABLES:
            connection.execute(statement.format(serial="INTEGER PRIMARY KEY"))
        connection.commit()
    finally:
        connection.close()


def floor_app() -> Starlette:
    """The floor: what a submission costs with no framework, ORM, validation, token lookup or rollups.

    ``PUT /api/responses`` parses the JSON body and inserts its answers as rows in one durable transaction;
    ``POST /api/join`` stores a new participant and returns its token. Served by uvicorn with
    ``--factory benchmarks.bench_submit:floor_app``; the database comes from BENCH_FLOOR_DATABASE.
    """
    target = os.environ[FLOOR_DATABASE_ENV]
    if target.startswith("postgresql"):
        store: _SqliteFloor | _PostgresFloor = _PostgresFloor(target, os.environ[FLOOR_SCHEMA_ENV])
    else:
        store = _SqliteFloor(target)

    async def put_responses(request: Request) -> JSONResponse:
        body = await request.json()
        who = hashlib.sha256(request.headers.get("authorization", "").encode()).hexdigest()
        now = datetime.now(UTC).isoformat()
        rows = [(who, answer["item"], str(answer["rating"]), now) for answer in body["answers"]]
        await run_in_threadpool(store.write, _FLOOR_ANSWER, rows)
        return JSONResponse({"saved": len(rows), "submitted": bool(body.get("submit"))})

    async def join(request: Request) -> JSONResponse:
        await request.json()
        token = secrets.token_urlsafe(32)
        row = (hashlib.sha256(token.encode()).hexdigest(), datetime.now(UTC).isoformat())
        await run_in_threadpool(store.write, _FLOOR_JOIN, [row])
        return JSONResponse({"token": token})

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/api/responses", put_responses, methods=["PUT"]),
            Route("/api/join", join, methods=["POST"]),
            Route("/healthz", healthz),
        ]
    )


def start_floor(work: Path, target: str, *, schema: str = "", name: str = "floor") -> Server:
    """The floor app under uvicorn, started the way `rainbow serve` starts uvicorn (one process)."""
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("RAINBOW_")}
    env.update({FLOOR_DATABASE_ENV: target, FLOOR_SCHEMA_ENV: schema, "PYTHONPATH": str(REPO_ROOT)})
    command = [sys.executable, "-m", "uvicorn", "--factory", "benchmarks.bench_submit:floor_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    return start_server(command, env=env, cwd=REPO_ROOT, port=port, log=work / f"{name}-{port}.log")


# --- the service: set-up through its command line and API ------------------------------------------------


@dataclass(frozen=True)
class Room:
    """An open focus session of a benchmark trust, and a token of the admin who set it up."""

    staff_token: str
    round_id: int
    session_id: int
    code: str
    items: tuple[str, ...]


def admin_token(env: dict[str, str], work: Path) -> str:
    """A site administrator made with ``rainbow create-user`` and their ``rainbow create-token`` token."""
    email = "admin@benchmark.example.org"
    rainbow_cli("create-user", email, "--password", secrets.token_urlsafe(18), "--admin", env=env, cwd=work)
    return rainbow_cli("create-token", email, env=env, cwd=work).strip().splitlines()[-1]


def migrated_rainbow(work: Path, database_url: str) -> tuple[dict[str, str], str]:
    """`rainbow migrate` on `database_url`, then an admin: the environment to serve it and a staff token."""
    env = rainbow_env(database_url)
    rainbow_cli("migrate", env=env, cwd=work)
    return env, admin_token(env, work)


def start_rainbow(work: Path, env: dict[str, str], *, name: str = "rainbow") -> Server:
    port = free_port()
    return start_server(
        rainbow_serve_command(port), env=env, cwd=work, port=port, log=work / f"{name}-{port}.log"
    )


def _call(client: httpx.Client, method: str, path: str, token: str, body: object) -> Any:
    response = client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
    if response.status_code >= 300:
        raise SystemExit(f"{method} {path} answered {response.status_code}: {response.text[:300]}")
    return response.json()


def open_room(url: str, token: str, *, title: str, round_id: int | None = None) -> Room:
    """An open session (practitioners, two arcs) in a new trust and round, or in `round_id`."""
    with httpx.Client(base_url=url, timeout=30) as client:
        if round_id is None:
            trust = _call(client, "POST", "/api/trusts", token, {"name": f"Benchmark trust {title}"})
            me = _call(client, "GET", "/api/me", token, None)
            _call(client, "PUT", f"/api/trusts/{trust['id']}/members/{me['id']}", token, {"role": "lead"})
            made = _call(client, "POST", f"/api/trusts/{trust['id']}/rounds", token, {"name": "Benchmark"})
            round_id = int(made["id"])
        session_in = {"viewpoint": VIEWPOINT, "arcs": list(ARCS), "title": title}
        focus = _call(client, "POST", f"/api/rounds/{round_id}/sessions", token, session_in)
        _call(client, "POST", f"/api/sessions/{focus['id']}/state", token, {"state": "open"})
    items = tuple(f"{arc}.{VIEWPOINT}.{n}" for arc in ARCS for n in range(1, 6))
    return Room(token, round_id, int(focus["id"]), str(focus["join_code"]), items)


def no_cookies() -> http.cookiejar.CookieJar:
    """A jar that keeps nothing: a client sharing one participant's cookie with every request would be
    both wrong and refused (a request carrying a participant cookie and no Bearer token needs CSRF)."""
    return http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


async def _join_many(url: str, code: str, count: int) -> list[str]:
    limit = asyncio.Semaphore(JOIN_CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, timeout=60, cookies=no_cookies()) as client:

        async def one() -> str:
            async with limit:
                response = await client.post("/api/join", json={"code": code})
            if response.status_code != 200:
                raise SystemExit(f"join answered {response.status_code}: {response.text[:300]}")
            return str(response.json()["token"])

        return list(await asyncio.gather(*(one() for _ in range(count))))


def join_many(url: str, code: str, count: int = PARTICIPANTS) -> tuple[list[str], float]:
    """`count` participants joined through ``POST /api/join``: their tokens, and the seconds it took."""
    started = time.perf_counter()
    tokens = asyncio.run(_join_many(url, code, count))
    return tokens, time.perf_counter() - started


def stored_submissions(path: Path) -> dict[str, int]:
    """What a SQLite rainbow database holds after the load (read-only)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {
            table: int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("participants", "answers", "idempotent_requests")
        }
    finally:
        connection.close()


# --- P1 and P5 ---------------------------------------------------------------------------------------------

_P1_OUTCOME: dict[str, Any] | None = None


def _measure_p1() -> dict[str, Any]:
    """P1's load against rainbow and the floor, with each server's memory right after; kept for P5."""
    with scratch_dir("submit") as work:
        script = write_script(work)
        database = work / "rainbow.db"
        env, token = migrated_rainbow(work, f"sqlite:///{database}")
        server = start_rainbow(work, env)
        with running(server):
            room = open_room(server.url, token, title="P1")
            tokens, join_seconds = join_many(server.url, room.code)
            print(f"  {len(tokens)} participants joined in {join_seconds:.1f} s")
            data = write_load_data(work / "tokens.txt", room.items, tokens)
            target = LoadTarget(server.url, CONNECTIONS, 1, len(tokens))
            app = timed_load("P1 rainbow", [target], servers=[server], data_file=data, script=script)
            app_memory = server.memory_mb()
            paced = timed_load(
                f"P1 rainbow paced at {P1_RPS_LIMIT:.0f}/s",
                [target],
                servers=[server],
                data_file=data,
                script=script,
                rate=P1_RPS_LIMIT,
                warmup=False,
            )
            startup_seconds = server.ready_seconds
        stored = stored_submissions(database)
        floor_database = work / "floor.db"
        create_floor_tables(str(floor_database))
        floor_server = start_floor(work, str(floor_database))
        with running(floor_server):
            target = LoadTarget(floor_server.url, CONNECTIONS, 1, len(tokens))
            floor = timed_load("P1 floor", [target], servers=[floor_server], data_file=data, script=script)
            floor_memory = floor_server.memory_mb()
    return {
        "app": app,
        "paced": paced,
        "floor": floor,
        "app_memory_mb": app_memory,
        "floor_memory_mb": floor_memory,
        "stored": stored,
        "participants": len(tokens),
        "join_seconds": round(join_seconds, 1),
        "server_ready_seconds": round(startup_seconds, 3),
    }


def p1_outcome() -> dict[str, Any]:
    global _P1_OUTCOME
    if _P1_OUTCOME is None:
        _P1_OUTCOME = _measure_p1()
    return _P1_OUTCOME


P1_WHAT = (
    "answer submission (PUT /api/responses), 50 concurrent clients, 8 answers a request, SQLite, 1 process"
)
P1_TARGET = ">= 300 requests/s and p95 <= 100 ms, and >= 25% of the floor (bare Starlette + sqlite3)"


def run_p1() -> Result:
    missing = wrk_missing()
    if missing:
        return skipped(id="P1", what=P1_WHAT, target=P1_TARGET, reason=missing)
    print(f"P1: {PARTICIPANTS} joins, then {WARMUP_SECONDS} s warm-up and {MEASURE_SECONDS} s of load each")
    outcome = p1_outcome()
    app, paced, floor = outcome["app"], outcome["paced"], outcome["floor"]
    share = ratio(app["requests_per_s"], floor["requests_per_s"])
    successful = app["requests"] + app["warmup"]["requests"] + paced["ok"]
    stored = outcome["stored"]["idempotent_requests"]
    checks = {
        "requests_per_s": app["requests_per_s"] >= P1_RPS_LIMIT,
        "p95": app["latency_ms"]["p95"] <= P1_P95_LIMIT_MS,
        "share_of_floor": share is not None and share >= P1_FLOOR_SHARE,
        "every_request_200": all(run["non_200"] == 0 and run["socket_errors"] == 0 for run in (app, paced)),
        # wrk stops with requests in flight: the server may store up to one a connection it did not count,
        # in each of the three runs (warm-up, saturated, paced).
        "every_200_stored": successful <= stored <= successful + 3 * CONNECTIONS,
    }
    return result(
        id="P1",
        what=P1_WHAT,
        target=P1_TARGET,
        measured={
            **app,
            "paced": paced,
            "paced_what": (
                f"not a check: the same load offered at a steady {P1_RPS_LIMIT:.0f} requests/s (wrk's "
                "delay(), 50 connections) after the saturated run, for the latency at the target rate; "
                "with 50 clients that never pause, mean latency = 50 / throughput (Little's law), so a "
                "p95 of 100 ms saturated needs roughly 600 requests/s"
            ),
            "stored_after_load": outcome["stored"],
            "participants_joined": outcome["participants"],
            "join_seconds": outcome["join_seconds"],
            "method": (
                f"rainbow serve (uvicorn, one process, SQLite WAL synchronous=FULL); wrk -t1 "
                f"-c{CONNECTIONS} with a Lua script, {WARMUP_SECONDS} s warm-up then {MEASURE_SECONDS} s; "
                f"{outcome['participants']} participants joined through POST /api/join, their Bearer tokens "
                f"taken in turn; {ANSWERS_PER_REQUEST} answers a request, a fresh Idempotency-Key each; "
                "checks are on the saturated run"
            ),
        },
        floor={
            "what": (
                "bare Starlette app under the same uvicorn: parse the JSON, insert the 8 answers as rows in "
                "one transaction with bare sqlite3 (WAL, synchronous=FULL, one connection, writes on a lock)"
            ),
            **floor,
        },
        ratio=share,
        ratio_what="requests/s / floor requests/s",
        limits={
            "requests_per_s_min": P1_RPS_LIMIT,
            "p95_ms_max": P1_P95_LIMIT_MS,
            "share_of_floor_min": P1_FLOOR_SHARE,
        },
        checks=checks,
        passed=all(checks.values()),
        **headline(
            value=app["requests_per_s"],
            unit="requests/s",
            value_what="requests/s over the measured 12 s",
            floor_ratio=share,
            floor_ratio_what="requests/s / floor requests/s (target >= 0.25)",
        ),
    )


P5_WHAT = "memory (VmRSS) of the rainbow serve process right after P1's load"
P5_TARGET = "<= 200 MB RSS per process"


def run_p5() -> Result:
    missing = wrk_missing()
    if missing:
        return skipped(id="P5", what=P5_WHAT, target=P5_TARGET, reason=missing)
    outcome = p1_outcome()
    app, floor = outcome["app_memory_mb"], outcome["floor_memory_mb"]
    share = ratio(app["VmRSS"], floor["VmRSS"])
    checks = {"rss": app["VmRSS"] <= P5_RSS_LIMIT_MB}
    return result(
        id="P5",
        what=P5_WHAT,
        target=P5_TARGET,
        measured={
            "rss_mb": app["VmRSS"],
            "peak_rss_mb": app["VmHWM"],
            "requests_served": outcome["app"]["requests"] + outcome["app"]["warmup"]["requests"],
            "method": "/proc/<pid>/status VmRSS (VmHWM: the peak) of the server after P1; MB = 10^6 bytes",
        },
        floor={
            "what": "the same for P1's floor server (bare Starlette + sqlite3 under uvicorn) after its load",
            "rss_mb": floor["VmRSS"],
            "peak_rss_mb": floor["VmHWM"],
        },
        ratio=share,
        ratio_what="RSS / floor RSS",
        limits={"rss_mb_max": P5_RSS_LIMIT_MB},
        checks=checks,
        passed=all(checks.values()),
        **headline(
            value=app["VmRSS"],
            unit="MB",
            value_what="VmRSS of the server process after P1",
            floor_ratio=share,
            floor_ratio_what="RSS / floor server RSS",
        ),
    )


# --- P4 ----------------------------------------------------------------------------------------------------


@dataclass
class _Arrival:
    join_s: float = 0.0
    put_s: float = 0.0
    total_s: float = 0.0
    finished_at: float = 0.0
    ok: bool = False
    problem: str | None = None


ANSWER_RATINGS = (1, 2, 3, 4, 5, "dk")


async def _exchange(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    method: str,
    path: str,
    body: object,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """One HTTP/1.1 request on an open connection, and its status and JSON reply.

    A few lines of asyncio instead of an HTTP library: the burst's 120 requests then cost the client little
    CPU, which it would otherwise take from the server on a 2-core machine (as wrk does for P1).
    """
    payload = json.dumps(body).encode()
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n{extra}\r\n"
    )
    writer.write(head.encode("latin-1") + payload)
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    data = await reader.readexactly(length)
    return status, json.loads(data) if data else None


async def _arrive(port: int, code: str, items: Sequence[str], go: asyncio.Event, arrival: _Arrival) -> None:
    """One participant (a connection of its own, like a tablet): join with the code, then send 8 of the
    session's answers and submit. The service's join returns the statements; the floor's does not, so
    `items` stands in."""
    await go.wait()
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        status, joined = await _exchange(reader, writer, "POST", "/api/join", {"code": code})
        arrival.join_s = time.perf_counter() - started
        if status != 200:
            arrival.problem = f"join {status}: {str(joined)[:200]}"
            return
        offered = [item["code"] for item in joined.get("items", [])] or list(items)
        picked = random.sample(offered, min(ANSWERS_PER_REQUEST, len(offered)))
        body = {
            "answers": [{"item": c, "rating": random.choice(ANSWER_RATINGS)} for c in picked],
            "submit": True,
        }
        headers = {"Authorization": f"Bearer {joined['token']}", "Idempotency-Key": uuid.uuid4().hex}
        put_started = time.perf_counter()
        status, reply = await _exchange(reader, writer, "PUT", "/api/responses", body, headers)
        arrival.finished_at = time.perf_counter()
        arrival.put_s = arrival.finished_at - put_started
        arrival.total_s = arrival.finished_at - started
        if status != 200 or not reply.get("submitted"):
            arrival.problem = f"put {status}: {str(reply)[:200]}"
            return
        arrival.ok = True
    finally:
        writer.close()


async def _burst(port: int, code: str, items: Sequence[str], people: int) -> tuple[list[_Arrival], float]:
    arrivals = [_Arrival() for _ in range(people)]
    go = asyncio.Event()
    tasks = [asyncio.create_task(_arrive(port, code, items, go, a)) for a in arrivals]
    await asyncio.sleep(0.05)  # every task is waiting on `go`
    released = time.perf_counter()
    go.set()
    await asyncio.gather(*tasks)
    if not all(a.ok for a in arrivals):
        return arrivals, float("inf")
    return arrivals, max(a.finished_at for a in arrivals) - released


def room_burst(server: Server, code: str, items: Sequence[str], label: str) -> dict[str, Any]:
    quiet = wait_for_quiet(label)
    cpu_before = server.cpu_seconds()
    arrivals, window = asyncio.run(_burst(server.port, code, items, P4_PARTICIPANTS))
    cpu = server.cpu_seconds() - cpu_before
    succeeded = [a for a in arrivals if a.ok]
    requests = [a.join_s for a in succeeded] + [a.put_s for a in succeeded]
    problems = sorted({a.problem for a in arrivals if a.problem})
    figures: dict[str, Any] = {
        "participants": len(arrivals),
        "succeeded": len(succeeded),
        "problems": problems[:5],
        "all_done_within_s": round(window, 3) if window != float("inf") else None,
        "request_ms": summary_ms(requests) if requests else {},
        "join_ms": summary_ms([a.join_s for a in succeeded]) if succeeded else {},
        "put_ms": summary_ms([a.put_s for a in succeeded]) if succeeded else {},
        "participant_ms": summary_ms([a.total_s for a in succeeded]) if succeeded else {},
        "server_cpu_s": round(cpu, 3),
        "load": quiet,
    }
    p95 = figures["request_ms"].get("p95")
    print(
        f"  {label}: {len(succeeded)}/{len(arrivals)} succeeded, request p95 {p95} ms, all in {window:.2f} s"
    )
    return figures


def _warm(server: Server, code: str, items: Sequence[str]) -> None:
    """One participant through the whole path first: the burst does not pay the process's first-use costs."""
    asyncio.run(_burst(server.port, code, items, 1))


def _progress(url: str, token: str, session_id: int) -> dict[str, Any]:
    with httpx.Client(base_url=url, timeout=30) as client:
        return dict(_call(client, "GET", f"/api/sessions/{session_id}/progress", token, None))


P4_WHAT = "room burst: 60 participants join and submit at once (join, then 8 answers with submit: true)"
P4_TARGET = "100% succeed, p95 <= 300 ms, all within 2 s"


def run_p4() -> Result:
    print(f"P4: {P4_PARTICIPANTS} participants released at once, against rainbow and then the floor")
    with scratch_dir("burst") as work:
        env, token = migrated_rainbow(work, f"sqlite:///{work / 'rainbow.db'}")
        server = start_rainbow(work, env)
        with running(server):
            warm_room = open_room(server.url, token, title="P4 warm-up")
            room = open_room(server.url, token, title="P4", round_id=warm_room.round_id)
            _warm(server, warm_room.code, warm_room.items)
            app = room_burst(server, room.code, room.items, "P4 rainbow")
            app["session_progress_after"] = _progress(server.url, token, room.session_id)
        floor_database = work / "floor.db"
        create_floor_tables(str(floor_database))
        floor_server = start_floor(work, str(floor_database))
        with running(floor_server):
            _warm(floor_server, "-", room.items)
            floor = room_burst(floor_server, "-", room.items, "P4 floor")
    progress = app["session_progress_after"]
    p95 = app["request_ms"].get("p95")
    checks = {
        "all_succeeded": app["succeeded"] == P4_PARTICIPANTS,
        "all_stored": progress["submitted"] == P4_PARTICIPANTS
        and progress["answers"] == P4_PARTICIPANTS * ANSWERS_PER_REQUEST,
        "request_p95": p95 is not None and p95 <= P4_P95_LIMIT_MS,
        "within_window": app["all_done_within_s"] is not None and app["all_done_within_s"] <= P4_WINDOW_S,
    }
    floor_p95 = floor["request_ms"].get("p95")
    share = ratio(p95, floor_p95) if p95 is not None and floor_p95 else None
    return result(
        id="P4",
        what=P4_WHAT,
        target=P4_TARGET,
        measured={
            **app,
            "method": (
                "rainbow serve (one process, SQLite) warmed by one participant in another session; 60 "
                "asyncio tasks in the benchmark process (bare asyncio HTTP/1.1, a new connection each, "
                "counted in the join) released together; "
                "request_ms covers the 60 joins and the 60 PUTs; participant_ms is join + PUT"
            ),
        },
        floor={
            "what": "the same burst against P1's bare Starlette + sqlite3 app (join stores a participant)",
            **floor,
        },
        ratio=share,
        ratio_what="request p95 / floor request p95",
        limits={"request_p95_ms_max": P4_P95_LIMIT_MS, "window_s_max": P4_WINDOW_S},
        checks=checks,
        passed=all(checks.values()),
        **headline(
            value=p95,
            unit="ms",
            value_what="p95 of the 120 requests (60 joins, 60 PUTs)",
            floor_ratio=share,
            floor_ratio_what="request p95 / floor request p95",
        ),
    )


# --- P7 ----------------------------------------------------------------------------------------------------


@contextmanager
def postgres_schema() -> Iterator[tuple[str, str]]:
    """A fresh schema on the benchmark PostgreSQL server: (URL with the schema as search_path, schema)."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')  # type: ignore[arg-type]
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}", schema
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')  # type: ignore[arg-type]


def postgres_missing() -> str | None:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=5) as connection:
            connection.execute("SELECT 1")
    except Exception as error:  # any failure to connect means "no server to benchmark"
        return f"no PostgreSQL at {POSTGRES_URL}: {error}"
    return None


def _split(urls: Sequence[str], tokens: int) -> list[LoadTarget]:
    """Two wrk processes of 25 connections, each with half the tokens, against `urls` (one or two)."""
    half = tokens // 2
    return [
        LoadTarget(urls[0], CONNECTIONS // 2, 1, half),
        LoadTarget(urls[-1], CONNECTIONS - CONNECTIONS // 2, half + 1, tokens - half),
    ]


def _one_then_two(
    start: Callable[[str], Server], label: str, tokens: int, data: Path, script: Path
) -> dict[str, Any]:
    one = start(f"{label}-1")
    with running(one):
        single = timed_load(
            f"P7 {label} x1", _split([one.url], tokens), servers=[one], data_file=data, script=script
        )
    first, second = start(f"{label}-2a"), start(f"{label}-2b")
    with running(first, second):
        double = timed_load(
            f"P7 {label} x2",
            _split([first.url, second.url], tokens),
            servers=[first, second],
            data_file=data,
            script=script,
        )
        memory = [first.memory_mb(), second.memory_mb()]
    scaling = ratio(double["requests_per_s"], single["requests_per_s"])
    return {"one_process": single, "two_processes": double, "scaling": scaling, "memory_mb_two": memory}


P7_WHAT = "P1's load on PostgreSQL: two rainbow serve processes against one"
P7_TARGET = "throughput >= 1.6x"


def run_p7() -> Result:
    missing = wrk_missing() or postgres_missing()
    if missing:
        return skipped(id="P7", what=P7_WHAT, target=P7_TARGET, reason=missing)
    print(f"P7: PostgreSQL, one process then two, rainbow then the floor ({MEASURE_SECONDS} s each)")
    with scratch_dir("postgres") as work, postgres_schema() as (url, schema):
        script = write_script(work)
        env, token = migrated_rainbow(work, url)
        setup_server = start_rainbow(work, env, name="rainbow-setup")
        with running(setup_server):
            room = open_room(setup_server.url, token, title="P7")
            tokens, join_seconds = join_many(setup_server.url, room.code)
        print(f"  {len(tokens)} participants joined in {join_seconds:.1f} s")
        data = write_load_data(work / "tokens.txt", room.items, tokens)
        app = _one_then_two(
            lambda name: start_rainbow(work, env, name=name), "rainbow", len(tokens), data, script
        )
        create_floor_tables(POSTGRES_URL, schema)
        floor = _one_then_two(
            lambda name: start_floor(work, POSTGRES_URL, schema=schema, name=name),
            "floor",
            len(tokens),
            data,
            script,
        )
    scaling, floor_scaling = app["scaling"], floor["scaling"]
    errors = sum(app[k]["non_200"] + app[k]["socket_errors"] for k in ("one_process", "two_processes"))
    checks = {
        "scaling": scaling is not None and scaling >= P7_SCALING_LIMIT,
        "every_request_200": errors == 0,
    }
    share = ratio(scaling, floor_scaling) if scaling is not None and floor_scaling else None
    return result(
        id="P7",
        what=P7_WHAT,
        target=P7_TARGET,
        measured={
            **app,
            "participants_joined": len(tokens),
            "cpu_count": os.cpu_count(),
            "method": (
                "a fresh PostgreSQL schema; rainbow serve on one port, then two on two ports (it has no "
                "--workers); two wrk processes (-t1 -c25 each, half the tokens each) both on the one "
                f"server, or one on each; {WARMUP_SECONDS} s warm-up, {MEASURE_SECONDS} s measured. The load "
                "generator, PostgreSQL and the servers share the machine's cores"
            ),
        },
        floor={
            "what": "P1's bare Starlette app on PostgreSQL (psycopg, 10 connections each), 1 process then 2",
            **floor,
        },
        ratio=share,
        ratio_what="scaling / floor scaling",
        limits={"scaling_min": P7_SCALING_LIMIT},
        checks=checks,
        passed=all(checks.values()),
        **headline(
            value=scaling,
            unit="x",
            value_what="requests/s with two processes / requests/s with one",
            floor_ratio=share,
            floor_ratio_what="scaling / the floor app's scaling, one process to two",
        ),
    )


if __name__ == "__main__":
    sys.exit("run it with: python -m benchmarks.run P1 P4 P5 P7")
