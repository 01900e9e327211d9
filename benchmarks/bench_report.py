"""P8: the PDF board pack of a full round, ``GET /api/rounds/{id}/report.pdf?baseline=...``, from a server.

The database is ``rainbow demo``'s (a trust with a 2009 baseline and a 2010 re-assessment, their focus
groups, answers, targets and actions), in a fresh SQLite file; the request is the demo lead's (a token from
``rainbow create-token``) for the 2010 round against the 2009 baseline. One untimed request first (it pays
the process's one-off costs: matplotlib's fonts, weasyprint's set-up; reported as `first_request_s`), then 5
timed ones, one at a time; the median is the figure. The floor is the same round's CSV export with the same
baseline: the same reading of scores, targets and actions and the same audit record, without the chart and
the PDF.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import (
    Result,
    free_port,
    headline,
    rainbow_cli,
    rainbow_env,
    rainbow_serve_command,
    ratio,
    result,
    running,
    scratch_dir,
    start_server,
    wait_for_quiet,
)

ID = "P8"
WHAT = "PDF board pack for a full round (GET /api/rounds/{id}/report.pdf?baseline=...), rainbow demo data"
TARGET = "<= 3 s"
LIMIT_S = 3.0
RUNS = 5
DEMO_LEAD = "lead@riverside.example.org"
ROUND_NAME, BASELINE_NAME = "2010 re-assessment", "2009 baseline"


def _get(client: httpx.Client, path: str) -> Any:
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}: {response.text[:300]}")
    return response


def demo_rounds(client: httpx.Client) -> tuple[int, int]:
    """The ids of the demo's 2010 round and its 2009 baseline."""
    trusts = _get(client, "/api/trusts").json()
    if len(trusts) != 1:
        raise SystemExit(f"the demo lead should see one trust, not {len(trusts)}")
    rounds = {r["name"]: r["id"] for r in _get(client, f"/api/trusts/{trusts[0]['id']}/rounds").json()}
    return rounds[ROUND_NAME], rounds[BASELINE_NAME]


def time_downloads(client: httpx.Client, path: str, signature: bytes) -> tuple[float, list[float], bytes]:
    """One untimed download, then RUNS timed ones: (first, timed, the body)."""
    times = []
    body = b""
    for _ in range(RUNS + 1):
        started = time.perf_counter()
        body = _get(client, path).content
        times.append(time.perf_counter() - started)
        if not body.startswith(signature):
            raise SystemExit(f"GET {path} did not answer with the expected file ({body[:20]!r})")
    return times[0], times[1:], body


def pdf_pages(body: bytes) -> int | None:
    try:
        from pypdf import PdfReader  # a test dependency; the figure is only a detail
    except ImportError:
        return None
    return len(PdfReader(io.BytesIO(body)).pages)


def _figures(first: float, timed: list[float]) -> dict[str, Any]:
    return {
        "median_s": round(statistics.median(timed), 3),
        "runs_s": [round(x, 3) for x in timed],
        "max_s": round(max(timed), 3),
        "first_request_s": round(first, 3),
    }


def measure(work: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    env = rainbow_env(f"sqlite:///{work / 'rainbow.db'}")
    rainbow_cli("migrate", env=env, cwd=work)
    demo_started = time.perf_counter()
    rainbow_cli("demo", env=env, cwd=work)
    demo_seconds = time.perf_counter() - demo_started
    token = rainbow_cli("create-token", DEMO_LEAD, env=env, cwd=work).strip().splitlines()[-1]
    port = free_port()
    server = start_server(rainbow_serve_command(port), env=env, cwd=work, port=port, log=work / "rainbow.log")
    headers = {"Authorization": f"Bearer {token}"}
    with running(server), httpx.Client(base_url=server.url, headers=headers, timeout=120) as client:
        round_id, baseline_id = demo_rounds(client)
        query = f"?baseline={baseline_id}"
        quiet = wait_for_quiet(ID)
        first, timed, pdf = time_downloads(client, f"/api/rounds/{round_id}/report.pdf{query}", b"%PDF-")
        floor_quiet = wait_for_quiet(f"{ID} floor")
        floor_first, floor_timed, _ = time_downloads(
            client, f"/api/rounds/{round_id}/export.csv{query}", b"\xef\xbb\xbf"
        )
        memory = server.memory_mb()
    measured = {
        **_figures(first, timed),
        "pdf_bytes": len(pdf),
        "pdf_pages": pdf_pages(pdf),
        "round_id": round_id,
        "baseline_id": baseline_id,
        "demo_load_s": round(demo_seconds, 1),
        "server_memory_mb_after": memory,
        "load": quiet,
    }
    floor = {**_figures(floor_first, floor_timed), "load": floor_quiet}
    print(
        f"  {ID}: median {measured['median_s']:.2f} s (first {first:.2f} s), {len(pdf) // 1000} kB, "
        f"{measured['pdf_pages']} pages; floor (CSV) median {floor['median_s']:.3f} s"
    )
    return measured, floor


def run() -> Result:
    print(f"{ID}: rainbow demo, then one untimed and {RUNS} timed board packs through rainbow serve")
    with scratch_dir("report") as work:
        measured, floor = measure(work)
    share = ratio(measured["median_s"], floor["median_s"])
    checks = {"median": measured["median_s"] <= LIMIT_S}
    return result(
        id=ID,
        what=WHAT,
        target=TARGET,
        measured={
            **measured,
            "method": (
                "rainbow serve (one process, SQLite) on rainbow demo's database; the demo lead's Bearer "
                "token; the 2010 round with baseline=2009; one untimed request, then 5 timed, one at a time"
            ),
        },
        floor={
            "what": "GET /api/rounds/{id}/export.csv with the same baseline: the same data, no chart, no PDF",
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
            value_what="median of 5 requests (after one untimed)",
            floor_ratio=share,
            floor_ratio_what="median / CSV export median",
        ),
    )


if __name__ == "__main__":
    sys.exit(f"run it with: python -m benchmarks.run {ID}")
