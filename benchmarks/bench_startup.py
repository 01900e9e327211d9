"""P6: from spawning ``rainbow serve`` (on an already migrated SQLite database) to the first 200 from
``/healthz``.

Each run spawns the command and polls ``/healthz`` every 5 ms; the time is from just before the spawn to the
first 200. One untimed run first warms the operating system's file cache (reported as `first_run_s`), then 5
timed runs give the median. The floor is the same measurement of a bare uvicorn serving a one-route Starlette
app (``python -c``), so it holds the interpreter's and uvicorn's own start-up. The parts of the service's
start-up are reported too, timed inside one fresh interpreter: importing ``app.main`` and ``create_app()``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Result,
    free_port,
    headline,
    rainbow_cli,
    rainbow_env,
    rainbow_serve_command,
    ratio,
    result,
    scratch_dir,
    start_server,
    stop_server,
    wait_for_quiet,
)

ID = "P6"
WHAT = "start-up: spawning rainbow serve (migrated SQLite database) to the first 200 from /healthz"
TARGET = "<= 2 s"
LIMIT_S = 2.0
RUNS = 5

FLOOR_APP = """
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def healthz(request):
    return JSONResponse({"status": "ok"})

app = Starlette(routes=[Route("/healthz", healthz)])
uvicorn.run(app, host="127.0.0.1", port=int(__import__("sys").argv[1]), log_level="warning")
"""

# Run in a fresh interpreter: what importing uvicorn, the app, and building the app take.
PARTS = """
import json, time
started = time.perf_counter()
import uvicorn, starlette.applications
bare = time.perf_counter()
import app.main
imported = time.perf_counter()
app.main.create_app()
built = time.perf_counter()
print(json.dumps({
    "import_uvicorn_starlette_s": bare - started,
    "import_app_main_s": imported - bare,
    "create_app_s": built - imported,
}))
"""


def time_starts(command_for: Any, *, env: dict[str, str], cwd: Path, log: Path, label: str) -> dict[str, Any]:
    """One untimed start, then RUNS timed ones, each from spawn to the first 200 from /healthz."""
    times = []
    for index in range(RUNS + 1):
        port = free_port()
        server = start_server(command_for(port), env=env, cwd=cwd, port=port, log=log)
        stop_server(server)
        times.append(server.ready_seconds)
        if index == 0:
            print(f"  {label}: first (untimed) start {server.ready_seconds:.2f} s")
    timed = times[1:]
    print(f"  {label}: median {statistics.median(timed):.2f} s of {', '.join(f'{x:.2f}' for x in timed)}")
    return {
        "median_s": round(statistics.median(timed), 3),
        "runs_s": [round(x, 3) for x in timed],
        "min_s": round(min(timed), 3),
        "max_s": round(max(timed), 3),
        "first_run_s": round(times[0], 3),
    }


def measure_parts(env: dict[str, str], cwd: Path) -> dict[str, float]:
    """The start-up's parts: the interpreter alone (spawn to exit of ``python -c pass``), then imports and
    ``create_app()`` timed inside a fresh interpreter (median of 3 each)."""
    interpreter, parts = [], []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], env=env, cwd=cwd, check=True)
        interpreter.append(time.perf_counter() - started)
        done = subprocess.run(
            [sys.executable, "-c", PARTS], env=env, cwd=cwd, capture_output=True, text=True, check=True
        )
        parts.append(json.loads(done.stdout.strip().splitlines()[-1]))
    figures = {"python_c_pass_s": statistics.median(interpreter)}
    figures.update({name: statistics.median(run[name] for run in parts) for name in parts[0]})
    return {name: round(value, 3) for name, value in figures.items()}


def run() -> Result:
    print(f"{ID}: {RUNS} timed starts (after one untimed) of rainbow serve, then of the floor")
    with scratch_dir("startup") as work:
        env = rainbow_env(f"sqlite:///{work / 'rainbow.db'}")
        rainbow_cli("migrate", env=env, cwd=work)
        quiet = wait_for_quiet(f"{ID} rainbow")
        measured = time_starts(rainbow_serve_command, env=env, cwd=work, log=work / "rainbow.log", label=ID)
        measured["load"] = quiet
        measured["parts"] = measure_parts(env, work)
        floor_quiet = wait_for_quiet(f"{ID} floor")
        floor = time_starts(
            lambda port: [sys.executable, "-c", FLOOR_APP, str(port)],
            env=env,
            cwd=work,
            log=work / "floor.log",
            label=f"{ID} floor",
        )
        floor["load"] = floor_quiet
    share = ratio(measured["median_s"], floor["median_s"])
    checks = {"median": measured["median_s"] <= LIMIT_S}
    return result(
        id=ID,
        what=WHAT,
        target=TARGET,
        measured={
            **measured,
            "method": (
                f"subprocess {' '.join(rainbow_serve_command(0)[1:3])} (one process, SQLite, migrated "
                "beforehand); /healthz polled every 5 ms from the spawn; median of 5 after one untimed start"
            ),
        },
        floor={
            "what": "python -c: import uvicorn and starlette, uvicorn.run a one-route Starlette app",
            **floor,
        },
        ratio=share,
        ratio_what="median / floor median",
        limits={"median_s_max": LIMIT_S},
        checks=checks,
        passed=all(checks.values()),
        **headline(
            value=measured["median_s"],
            unit="s",
            value_what="median of 5 starts, spawn to the first 200 from /healthz",
            floor_ratio=share,
            floor_ratio_what="median / floor median",
        ),
    )


if __name__ == "__main__":
    sys.exit(f"run it with: python -m benchmarks.run {ID}")
