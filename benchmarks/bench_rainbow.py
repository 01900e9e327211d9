"""P3: ``GET /api/rounds/{id}/rainbow.png``, cold (not yet drawn) and repeated (served from the chart cache).

Uses P2's 10k database. "Cold" is a request whose chart is not in the cache, timed in-process through
`TestClient`: before each one the app gets a fresh, empty `ChartCache`, so the request reads the scores,
builds the chart, hashes it and draws it, as the first request after new answers would. Matplotlib's one-off
start-up (fonts) is paid by an untimed request first and reported separately: it happens once per process,
not once per chart. "Cached" repeats the same request against a real `rainbow serve` on the same database,
from a keep-alive connection (`http.client`, one request at a time): the request still signs the caller in and
reads the rounds' fingerprints to work out the digest, then takes the image from the cache. (In-process,
`TestClient`'s own hand-over between threads costs about 3 ms a request, more than the request itself.)

The floor of the cold path is matplotlib itself: an empty Figure of the same size saved to PNG with the same
options. The floor of the cached path is ``GET /healthz`` (one trivial query) on the same connection.
"""

from __future__ import annotations

import http.client
import io
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from matplotlib.figure import Figure

from app.db.engine import read_session
from app.identity import Staff
from app.main import create_app
from app.services.chart_cache import ChartCache
from app.services.insights import rainbow_chart
from app.services.reports import round_report
from app.web.state import AppState
from benchmarks.bench_scores import BenchDatabase, bench_settings, ensure_database, needed_bytes
from benchmarks.common import (
    DATA_DIR,
    Result,
    disk_shortfall,
    free_port,
    rainbow_env,
    rainbow_serve_command,
    ratio,
    result,
    running,
    scratch_dir,
    skipped,
    start_server,
    summary_ms,
    time_calls,
)
from framework.charts.rainbow import render
from framework.charts.rainbow_chart import RainbowChart, chart_digest

ID = "P3"
WHAT = "rainbow PNG (GET /api/rounds/{id}/rainbow.png) on the 10k-answer round"
TARGET = "cold <= 150 ms, repeated (cached by data hash) <= 5 ms"
COLD_LIMIT_MS, CACHED_LIMIT_MS = 150.0, 5.0
COLD_WARMUP, COLD_SAMPLES = 3, 30
CACHED_WARMUP, CACHED_SAMPLES = 20, 300
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FIGURE_SIZE = (10.0, 6.5)  # inches: the full-size rainbow (framework.charts.rainbow_layout.FULL)


def _state(app: FastAPI) -> AppState:
    state: AppState = app.state.rainbow
    return state


def _forget_charts(app: FastAPI) -> None:
    """Give the app an empty chart cache (AppState is frozen, so replace it with a copy)."""
    app.state.rainbow = replace(_state(app), charts=ChartCache())


def measure_endpoint(database: BenchDatabase) -> dict[str, Any]:
    app = create_app(bench_settings(database.path))
    url = f"/api/rounds/{database.round_id}/rainbow.png"
    headers = {"Authorization": f"Bearer {database.token}"}
    with TestClient(app) as client:

        def get_png() -> bytes:
            response = client.get(url, headers=headers)
            if response.status_code != 200 or not response.content.startswith(PNG_SIGNATURE):
                kind = response.headers.get("content-type")
                raise SystemExit(f"{url} answered {response.status_code} {kind}")
            return response.content

        started = time.perf_counter()
        first_image = get_png()
        first_request = time.perf_counter() - started
        cold: list[float] = []
        for index in range(COLD_WARMUP + COLD_SAMPLES):
            _forget_charts(app)
            started = time.perf_counter()
            image = get_png()
            if index >= COLD_WARMUP:
                cold.append(time.perf_counter() - started)
            if image != first_image:
                raise SystemExit("the same chart drawn twice gave different bytes")
        if len(_state(app).charts) != 1:
            raise SystemExit("the chart was not kept in the cache")
    cached, health = measure_served(database, url, headers, first_image)
    return {
        "first_request": first_request,
        "cold": cold,
        "cached": cached,
        "health": health,
        "png_bytes": len(first_image),
    }


def measure_served(
    database: BenchDatabase, url: str, headers: dict[str, str], expected: bytes
) -> tuple[list[float], list[float]]:
    """Repeated requests for the chart, and for /healthz, from a keep-alive connection to `rainbow serve`."""
    port = free_port()
    env = rainbow_env(f"sqlite:///{database.path}")
    with scratch_dir("rainbow") as work:
        log = work / f"rainbow-{port}.log"
        server = start_server(rainbow_serve_command(port), env=env, cwd=work, port=port, log=log)
        with running(server):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

            def get(path: str, want: bytes | None = None) -> None:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                if response.status != 200 or (want is not None and body != want):
                    raise SystemExit(f"{path} answered {response.status}, {len(body)} bytes")

            try:
                cached = time_calls(lambda: get(url, expected), samples=CACHED_SAMPLES, warmup=CACHED_WARMUP)
                health = time_calls(lambda: get("/healthz"), samples=CACHED_SAMPLES, warmup=CACHED_WARMUP)
            finally:
                connection.close()
    return cached, health


_BENCH_ADMIN = Staff(user_id=0, email="bench@example.org", is_admin=True)


def _chart_builder(state: AppState, round_id: int) -> Callable[[], RainbowChart]:
    """Builds the chart the endpoint draws, the way it does: the round's results from the rollups."""

    def build() -> RainbowChart:
        with read_session(state.engine) as db:
            report = round_report(
                db,
                staff=_BENCH_ADMIN,
                round_id=round_id,
                baseline=None,
                context=state.report_context,
                with_comparison=False,
            )
            return rainbow_chart(report, framework=state.framework)

    return build


def measure_parts(database: BenchDatabase) -> dict[str, list[float]]:
    """The cold path's parts without HTTP: scores to chart, the digest, drawing (`render`)."""
    state = _state(create_app(bench_settings(database.path)))
    try:
        build = _chart_builder(state, database.round_id)
        chart = build()
        timed = {
            "render": lambda: render(chart, "png"),
            "scores_to_chart": build,
            "digest": lambda: chart_digest(chart, "png"),
        }
        return {
            name: time_calls(call, samples=COLD_SAMPLES, warmup=COLD_WARMUP) for name, call in timed.items()
        }
    finally:
        state.engine.dispose()


def measure_floor() -> list[float]:
    """An empty Figure of the rainbow's size saved as PNG with the same options as `render`."""

    def empty_png() -> bytes:
        figure = Figure(figsize=FIGURE_SIZE, layout=None, facecolor="white")
        buffer = io.BytesIO()
        figure.savefig(
            buffer,
            format="png",
            dpi=100,
            metadata={"Software": None},
            bbox_inches=None,
            facecolor="white",
            pil_kwargs={"compress_level": 3},
        )
        return buffer.getvalue()

    return time_calls(empty_png, samples=COLD_SAMPLES, warmup=COLD_WARMUP)


def run() -> Result:
    shortfall = disk_shortfall(DATA_DIR, needed_bytes("10k"))
    if shortfall:
        reason = f"not enough disk for the database: {shortfall}"
        return skipped(id=ID, what=WHAT, target=TARGET, reason=reason)
    database = ensure_database("10k")
    print(f"{ID}: timing {COLD_SAMPLES} cold and {CACHED_SAMPLES} cached requests, the parts, the floor")
    endpoint = measure_endpoint(database)
    parts = measure_parts(database)
    cold, cached = summary_ms(endpoint["cold"]), summary_ms(endpoint["cached"])
    floor, health = summary_ms(measure_floor()), summary_ms(endpoint["health"])
    checks = {"cold_p95": cold["p95"] <= COLD_LIMIT_MS, "cached_p95": cached["p95"] <= CACHED_LIMIT_MS}
    return result(
        id=ID,
        what=WHAT,
        target=TARGET,
        measured={
            "cold_ms": cold,
            "cached_ms": cached,
            "render_only_ms": summary_ms(parts["render"]),
            "scores_to_chart_ms": summary_ms(parts["scores_to_chart"]),
            "digest_ms": summary_ms(parts["digest"]),
            "first_request_in_process_ms": round(endpoint["first_request"] * 1000, 3),
            "png_bytes": endpoint["png_bytes"],
            "database": database.describe(),
            "method": (
                "one lead's Bearer token; cold: fastapi TestClient in-process, a fresh ChartCache before "
                "each request (after one untimed first request that loads matplotlib's fonts); cached: the "
                "same request repeated against rainbow serve on the same database, one keep-alive "
                "http.client connection, one request at a time"
            ),
        },
        floor={
            "what": "an empty matplotlib Figure of the same size (10 x 6.5 in, 100 dpi) saved as PNG",
            "empty_png_ms": floor,
            "healthz_ms": health,
            "healthz_what": "GET /healthz on the same connection to the same server: the cached path's floor",
        },
        ratio=ratio(cold["p50"], floor["p50"]),
        ratio_what="cold p50 / empty-figure PNG p50",
        ratios={
            "cold_p50_over_empty_png": ratio(cold["p50"], floor["p50"]),
            "render_p50_over_empty_png": ratio(summary_ms(parts["render"])["p50"], floor["p50"]),
            "cached_p50_over_healthz": ratio(cached["p50"], health["p50"]),
        },
        limits={"cold_p95_ms": COLD_LIMIT_MS, "cached_p95_ms": CACHED_LIMIT_MS},
        checks=checks,
        passed=all(checks.values()),
    )


if __name__ == "__main__":
    sys.exit("run it with: python -m benchmarks.run P3")
