"""What every benchmark shares: timing, percentiles, the machine it ran on, and the results file.

Times are taken with `time.perf_counter` and reported in milliseconds. Percentiles interpolate linearly
between the two nearest samples (numpy's default), so p95 of 300 samples sits between the 285th and 286th.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / ".data"
RESULTS_FILE = BENCH_DIR / "results.json"

Result = dict[str, Any]


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0 to 100) of `values`, interpolated linearly between neighbours."""
    if not values:
        raise ValueError("no samples")
    if not 0 <= q <= 100:
        raise ValueError(f"a percentile is from 0 to 100, not {q!r}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def summary_ms(seconds: Sequence[float]) -> dict[str, float | int]:
    """Samples in seconds, summarised in milliseconds (rounded to the microsecond)."""
    ms = [value * 1000 for value in seconds]
    figures = {
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "mean": sum(ms) / len(ms),
        "min": min(ms),
        "max": max(ms),
    }
    return {"samples": len(ms), **{name: round(value, 3) for name, value in figures.items()}}


def time_calls(call: Callable[[], object], *, samples: int, warmup: int = 0) -> list[float]:
    """Run `call` `warmup` times untimed, then `samples` times, returning each timed run in seconds."""
    for _ in range(warmup):
        call()
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return timings


def time_in_turn(
    calls: dict[str, Callable[[], object]], *, samples: int, warmup: int = 0
) -> dict[str, list[float]]:
    """`time_calls` of several calls taken in turn (one of each, then one of each again, ...), so that a
    change in the machine's load while they run weighs on all of them alike: for figures compared together."""
    for _ in range(warmup):
        for call in calls.values():
            call()
    timings: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(samples):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            timings[name].append(time.perf_counter() - started)
    return timings


def ratio(measured: float, floor: float) -> float | None:
    return round(measured / floor, 2) if floor > 0 else None


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def result(
    *,
    id: str,
    what: str,
    target: str,
    measured: Mapping[str, Any],
    floor: Mapping[str, Any],
    ratio: float | None,
    passed: bool | None,
    **extra: Any,
) -> Result:
    """One benchmark's entry in the results file (see README.md for the fields)."""
    return {
        "id": id,
        "what": what,
        "target": target,
        "measured": dict(measured),
        "floor": dict(floor),
        "ratio": ratio,
        "pass": passed,
        **extra,
        "machine": machine(),
        "when": now_iso(),
    }


def skipped(*, id: str, what: str, target: str, reason: str) -> Result:
    """The entry of a benchmark that could not run here: no figures, and `pass` is null, not false."""
    print(f"{id}: SKIPPED: {reason}", file=sys.stderr)
    return result(
        id=id, what=what, target=target, measured={}, floor={}, ratio=None, passed=None, skipped=reason
    )


def disk_shortfall(path: Path, needed_bytes: int) -> str | None:
    """Why there is not enough free disk at `path` for `needed_bytes`, or None when there is."""
    path.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(path).free
    if free >= needed_bytes:
        return None
    return f"needs {needed_bytes / 1e9:.1f} GB free at {path}, only {free / 1e9:.1f} GB is"


def merge_results(
    new: Sequence[Result], path: Path = RESULTS_FILE, *, normalise: Callable[[Result], Result] | None = None
) -> dict[str, Result]:
    """Write `new` into the results file keyed by id, leaving the other ids' entries as they were.

    `normalise`, when given, is applied to every entry written, the old ones too (to add fields that
    entries of an earlier version lack).
    """
    merged: dict[str, Result] = {}
    if path.exists():
        merged = json.loads(path.read_text(encoding="utf-8"))
    for entry in new:
        merged[entry["id"]] = entry
    if normalise is not None:
        merged = {key: normalise(entry) for key, entry in merged.items()}
    ordered = dict(sorted(merged.items()))
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(ordered, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)  # atomic: an interrupted run never leaves half a results file
    return ordered


def verdict(passed: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "SKIPPED"}[passed]


# --- the five headline fields every entry carries (issue 7) ---------------------------------------------


def headline(
    *, value: float | None, unit: str, value_what: str, floor_ratio: float | None, floor_ratio_what: str
) -> dict[str, Any]:
    """The headline figure of an entry, to pass to `result` as extra fields.

    With `result`'s `target` (the target as written in design.md) and `pass` (copied to `met`) an entry
    then has the five fields `value`, `unit`, `target`, `met` and `floor_ratio`.
    """
    return {
        "value": None if value is None else round(value, 3),
        "unit": unit,
        "value_what": value_what,
        "floor_ratio": floor_ratio,
        "floor_ratio_what": floor_ratio_what,
    }


# --- a quiet machine ---------------------------------------------------------------------------------------

LOAD_LIMIT = 1.5
LOAD_MAX_WAIT_SECONDS = 60.0


def wait_for_quiet(label: str) -> dict[str, Any]:
    """Wait (up to a minute) for the one-minute load average to fall to 1.5 or below, before a timed run.

    The machine is shared, so a noisy measurement is recorded as such rather than silently taken: the
    returned figures go into the result. Our own previous run raises the load average too; it decays with a
    time constant of a minute, hence the wait.
    """
    started = time.monotonic()
    before = load = os.getloadavg()[0]
    while load > LOAD_LIMIT and time.monotonic() - started < LOAD_MAX_WAIT_SECONDS:
        time.sleep(2)
        load = os.getloadavg()[0]
    waited = time.monotonic() - started
    if before > LOAD_LIMIT:
        outcome = "fell to" if load <= LOAD_LIMIT else "still"
        print(f"  {label}: load average {before:.2f}; waited {waited:.0f} s, {outcome} {load:.2f}")
    return {
        "loadavg_1m_before_wait": round(before, 2),
        "waited_s": round(waited, 1),
        "loadavg_1m_at_start": round(load, 2),
        "quiet": load <= LOAD_LIMIT,
    }


# --- servers in their own processes ------------------------------------------------------------------------

VENV_BIN = Path(sys.executable).parent
RAINBOW = VENV_BIN / "rainbow"
BENCH_SECRET = "benchmark-secret-key-for-benchmark-databases-only"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def rainbow_env(database_url: str) -> dict[str, str]:
    """The environment of a `rainbow` command: no developer RAINBOW_* setting, warnings only in the log."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("RAINBOW_")}
    env.update(
        RAINBOW_DATABASE_URL=database_url,
        RAINBOW_SECRET_KEY=BENCH_SECRET,
        RAINBOW_LOG_LEVEL="warning",  # no access log line per request, as P2 and P3 run the app
        PYTHONUNBUFFERED="1",
    )
    return env


def rainbow_cli(*args: str, env: Mapping[str, str], cwd: Path) -> str:
    """Run `rainbow <args>` and return what it printed; a failure stops the benchmark with its output."""
    done = subprocess.run(
        [str(RAINBOW), *args], env=dict(env), cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"rainbow {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def get_status(port: int, path: str = "/healthz", timeout: float = 2.0) -> int | None:
    """The status of a GET on 127.0.0.1:`port`, or None when nothing answers yet."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


@dataclass
class Server:
    """A server process on 127.0.0.1:`port`, its output going to `log`."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    ready_seconds: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def memory_mb(self) -> dict[str, float]:
        """VmRSS (resident now) and VmHWM (the peak) of the process, in MB (10^6 bytes)."""
        return process_memory_mb(self.process.pid)

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def machine_cpu() -> tuple[int, ...]:
    """The machine's CPU time so far, from /proc/stat: (busy, iowait, total), in ticks, all cores."""
    ticks = [int(x) for x in Path("/proc/stat").read_text(encoding="ascii").splitlines()[0].split()[1:]]
    idle, iowait = ticks[3], ticks[4]
    total = sum(ticks[:8])  # guest time is counted within user time already
    return total - idle - iowait, iowait, total


def machine_cpu_share(before: tuple[int, ...], after: tuple[int, ...]) -> dict[str, float]:
    """The share of all cores busy, and waiting for the disk, between two `machine_cpu` readings."""
    busy, iowait, total = (a - b for a, b in zip(after, before, strict=True))
    return {"busy": round(busy / max(1, total), 2), "iowait": round(iowait / max(1, total), 2)}


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime and stime, in ticks


def process_memory_mb(pid: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            figures[name] = round(int(rest.split()[0]) * 1024 / 1e6, 1)  # the kernel reports kB
    return figures


def start_server(
    command: Sequence[str], *, env: Mapping[str, str], cwd: Path, port: int, log: Path, timeout: float = 60.0
) -> Server:
    """Spawn `command` and wait for the first 200 from its ``/healthz``; `ready_seconds` is that wait."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), env=dict(env), cwd=cwd, stdout=output, stderr=subprocess.STDOUT
        )
    server = Server(process=process, port=port, log=log)
    try:
        server.ready_seconds = wait_until_healthy(server, started=started, timeout=timeout)
    except BaseException:
        stop_server(server)
        raise
    return server


def wait_until_healthy(server: Server, *, started: float, timeout: float) -> float:
    """Poll ``/healthz`` every 5 ms until it answers 200; the seconds from `started` to that answer."""
    while time.perf_counter() - started < timeout:
        if server.process.poll() is not None:
            raise SystemExit(f"the server on port {server.port} exited early:\n{server.log_tail()}")
        if get_status(server.port, timeout=1.0) == 200:
            return time.perf_counter() - started
        time.sleep(0.005)
    raise SystemExit(f"the server on port {server.port} did not answer /healthz in {timeout:.0f} s")


def stop_server(server: Server) -> None:
    """Stop the server as a process manager would (SIGTERM), and kill it if it does not go in 15 s."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@contextmanager
def running(*servers: Server) -> Iterator[tuple[Server, ...]]:
    """Stop `servers` when the block ends, however it ends."""
    try:
        yield servers
    finally:
        for server in servers:
            stop_server(server)


def rainbow_serve_command(port: int) -> list[str]:
    return [str(RAINBOW), "serve", "--host", "127.0.0.1", "--port", str(port)]


@contextmanager
def scratch_dir(name: str) -> Iterator[Path]:
    """A new folder under benchmarks/.data/ (a real disk: fsync costs what it costs), removed afterwards."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=DATA_DIR))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
