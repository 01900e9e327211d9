"""A big import while a room answers: does a 100,000-line CSV import make the tablets wait?

One ``rainbow serve`` on SQLite (a fresh database in benchmarks/.data/). 30 participants join a session,
and each tablet then saves 8 answers (``PUT /api/responses``) over and over, pausing 0.2 to 0.5 s between
saves. After 8 s of that (the room alone, its first 2 s left out as warm-up), a lead imports 100,000 lines
(5,000 respondents, 20 statements each, 4.1 MB) into the same round. The tablets go on until the import
has answered, and for 1 s more.

Prints the tablets' save times while the import ran (count, p50, p95, max, in ms), the same for the room
alone before it, how long the import took, what it logged (the longest it held the writer) and the load
average, since on a shared machine the room alone is slow too. The issue's target: tablet p95 under 200 ms
during the import; the exit status is 1 when it is missed.

    .venv/bin/python -m benchmarks.import_stall
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import threading
import time
import uuid
from collections.abc import Sequence
from typing import Any

import httpx

from benchmarks.bench_submit import join_many, migrated_rainbow, no_cookies, open_room, start_rainbow
from benchmarks.common import running, scratch_dir, summary_ms

TABLETS = 30
RESPONDENTS = 5_000
ARCS = ("orange", "green", "red", "blue")  # 4 arcs x 5 practitioner statements: 20 lines a respondent
BEFORE_SECONDS, AFTER_SECONDS = 8.0, 1.0
WARMUP_SECONDS = 2.0  # the first saves of each tablet are left out of the room-alone figures


def import_file() -> bytes:
    lines = ["respondent,viewpoint,item,rating"]
    rng = random.Random(7)
    for person in range(RESPONDENTS):
        for arc in ARCS:
            for n in range(1, 6):
                lines.append(f"r{person},practitioner,{arc}.practitioner.{n},{rng.randint(1, 5)}")
    return ("\n".join(lines) + "\n").encode()


async def tablet(
    url: str, token: str, items: Sequence[str], stop: asyncio.Event, saves: list[tuple[float, float]]
) -> None:
    rng = random.Random(token)
    async with httpx.AsyncClient(base_url=url, timeout=60, cookies=no_cookies()) as client:
        while not stop.is_set():
            body = {"answers": [{"item": item, "rating": rng.randint(1, 5)} for item in items[:8]]}
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
            started = time.perf_counter()
            response = await client.put("/api/responses", json=body, headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"a save answered {response.status_code}: {response.text[:300]}")
            saves.append((started, time.perf_counter() - started))
            await asyncio.sleep(rng.uniform(0.2, 0.5))


def run_import(url: str, token: str, round_id: int, content: bytes, outcome: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {token}", "content-type": "text/csv"}
    started = time.perf_counter()
    response = httpx.post(
        f"{url}/api/rounds/{round_id}/answers/import", content=content, headers=headers, timeout=600
    )
    outcome.update(
        started=started, ended=time.perf_counter(), status=response.status_code, reply=response.json()
    )


async def room_during_import(url: str, tokens: Sequence[str], items: Sequence[str], start_import: Any) -> Any:
    stop = asyncio.Event()
    saves: list[tuple[float, float]] = []
    tablets = [asyncio.create_task(tablet(url, token, items, stop, saves)) for token in tokens]
    await asyncio.sleep(BEFORE_SECONDS)
    importer = start_import()
    while importer.is_alive():
        await asyncio.sleep(0.05)
    await asyncio.sleep(AFTER_SECONDS)
    stop.set()
    await asyncio.gather(*tablets)
    return saves


def main() -> int:
    content = import_file()
    with scratch_dir("import-stall") as work:
        env, token = migrated_rainbow(work, f"sqlite:///{work / 'rainbow.db'}")
        env["RAINBOW_LOG_LEVEL"] = "info"  # the import logs how long it held the writer
        with running(start_rainbow(work, env)) as (server,):
            room = open_room(server.url, token, title="Import stall")
            tablets, _ = join_many(server.url, room.code, TABLETS)
            outcome: dict[str, Any] = {}

            def start_import() -> threading.Thread:
                thread = threading.Thread(
                    target=run_import, args=(server.url, token, room.round_id, content, outcome)
                )
                thread.start()
                return thread

            saves = asyncio.run(room_during_import(server.url, tablets, room.items, start_import))
            held = [line for line in server.log_tail(2000).splitlines() if "held at most" in line]
    during = [seconds for at, seconds in saves if outcome["started"] <= at <= outcome["ended"]]
    warm = min(at for at, _ in saves) + WARMUP_SECONDS
    before = [seconds for at, seconds in saves if warm <= at < outcome["started"]]
    figures = {
        "loadavg_1m_after": os.getloadavg()[0],
        "import": {
            "lines": RESPONDENTS * len(ARCS) * 5,
            "bytes": len(content),
            "status": outcome["status"],
            "seconds": round(outcome["ended"] - outcome["started"], 2),
            "log": held,
        },
        "tablet_saves_room_alone_ms": summary_ms(before),
        "tablet_saves_during_import_ms": summary_ms(during),
    }
    print(json.dumps(figures, indent=2))
    p95 = figures["tablet_saves_during_import_ms"]["p95"]
    return 0 if outcome["status"] == 200 and p95 < 200 else 1


if __name__ == "__main__":
    raise SystemExit(main())
