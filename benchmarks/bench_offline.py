"""P11: a tablet reconnecting with 200 queued answers in its offline outbox: all acknowledged within 2 s on
loopback, exactly once.

`rainbow serve` (one process, SQLite) with an open session of practitioners on two arcs (10 statements). A
real Chromium (Debian's, driven by Playwright) joins it on the join page as a tablet does, so it holds the
join pass. In the page, 20 people "join offline" (participant tokens made in the browser) and each answers
the 10 statements one at a time: 200 entries in the IndexedDB outbox (``static/js/outbox-core.js``), none
sent (they are queued on a page without the respondent pages' timer). Then the outbox is drained as on
reconnecting (``RainbowOutbox.drain(true)``: its own parallelism, headers, join pass and Outbox-Waiting; one
request per person, their queued saves merged), timed in the page from the call to the last
acknowledgement. Then the same 200 entries are sent again (a tablet that lost
the acknowledgements: the same batches under the same keys). The database must then hold exactly 200
answers, the 21 participants and one idempotency reply per request of the first drain.

The floor is the 200 answers as 200 requests (one answer each, the outbox's headers, 8 in flight) sent by a
bare asyncio httpx client in this process to a fresh session of the same server: no browser, no IndexedDB,
no merging.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.bench_submit import migrated_rainbow, open_room, start_rainbow
from benchmarks.common import Result, headline, result, running, scratch_dir, skipped, wait_for_quiet

WHAT = "a tablet reconnecting with 200 queued answers (offline outbox)"
TARGET = "all acknowledged within 2 s on loopback, exactly once"
PEOPLE = 20
LIMIT_S = 2.0
CHROMIUM = Path("/usr/bin/chromium")
FLOOR_PARALLEL = 8

QUEUE_200 = """async ([people, items]) => {
  const tablet = await RainbowOutbox.get("tablet");
  for (let p = 0; p < people; p++) {
    const token = RainbowOutbox.randomToken(32);
    for (const item of items) {
      const body = {answers: [{item, rating: 1 + (p % 5)}], submit: false};
      const entry = await RainbowOutbox.enqueue(token, tablet, body);
      if (entry === null) throw new Error("the outbox refused an entry");
    }
  }
  return (await RainbowOutbox.entries()).length;
}"""
DRAIN = """async () => {
  const started = performance.now();
  const summary = await RainbowOutbox.drain(true);
  return {ms: performance.now() - started, summary};
}"""
SNAPSHOT = "async () => JSON.stringify(await RainbowOutbox.entries())"
REPLAY = """async (saved) => {
  for (const entry of JSON.parse(saved)) { await RainbowOutbox.set(entry.id, entry); }
  return (await RainbowOutbox.drain(true)).sent;
}"""


def stored(database: Path, session_id: int) -> dict[str, int]:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        answers, replies, people = connection.execute(
            "SELECT (SELECT count(*) FROM answers a JOIN participants p ON p.id = a.participant_id"
            " WHERE p.session_id = :s), (SELECT count(*) FROM idempotent_requests r JOIN participants p"
            " ON p.id = r.participant_id WHERE p.session_id = :s),"
            " (SELECT count(*) FROM participants WHERE session_id = :s)",
            {"s": session_id},
        ).fetchone()
        return {"answers": int(answers), "idempotency_replies": int(replies), "participants": int(people)}
    finally:
        connection.close()


def tablet_drain(url: str, code: str, items: tuple[str, ...]) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_context(base_url=url, viewport={"width": 810, "height": 1080}).new_page()
            page.goto("/join")
            page.get_by_label("Code on the screen").fill(code)
            page.get_by_role("button", name="Join").click()
            page.wait_for_url("**/respond")
            page.wait_for_function("async () => !!(await RainbowOutbox.get('tablet'))")
            # A page without outbox.js (whose timer would send the entries as they are queued), with only
            # the outbox itself loaded: nothing is sent until the drain is timed.
            page.goto("/")
            page.add_script_tag(url="/static/vendor/idb-keyval.js")
            page.add_script_tag(url="/static/js/outbox-core.js")
            queued = page.evaluate(QUEUE_200, [PEOPLE, list(items)])
            saved = page.evaluate(SNAPSHOT)
            load = wait_for_quiet("P11")
            drained = page.evaluate(DRAIN)
            replayed = page.evaluate(REPLAY, saved)
            return {"queued": queued, **drained, "replayed_sent": replayed, "load": load, "entries": saved}
        finally:
            browser.close()


async def _floor_send(url: str, entries: list[dict[str, Any]]) -> float:
    limit = asyncio.Semaphore(FLOOR_PARALLEL)
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:

        async def one(entry: dict[str, Any], waiting: int) -> None:
            headers = {
                "Authorization": f"Bearer {entry['token']}",
                "Idempotency-Key": entry["key"],
                "Join-Pass": entry["pass"],
                "Outbox-Waiting": str(waiting),
            }
            async with limit:
                response = await client.put("/api/responses", json=entry["body"], headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"floor PUT answered {response.status_code}: {response.text[:200]}")

        started = time.perf_counter()
        await asyncio.gather(*(one(e, len(entries) - i - 1) for i, e in enumerate(entries)))
        return time.perf_counter() - started


def floor_entries(url: str, code: str, tablet_entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tablet's 200 entries for another session: new keys and tokens, that session's join pass."""
    with httpx.Client(base_url=url, timeout=30) as client:
        join_pass = client.post("/api/join", json={"code": code}).json()["offline_pass"]
    tokens: dict[str, str] = {}
    return [
        {
            "token": tokens.setdefault(e["token"], secrets.token_urlsafe(32)),
            "key": secrets.token_urlsafe(18),
            "pass": join_pass,
            "body": e["body"],
        }
        for e in tablet_entries
    ]


def run() -> Result:
    print(f"P11: a tablet reconnecting with {PEOPLE * 10} queued answers")
    if not CHROMIUM.exists():
        return skipped(id="P11", what=WHAT, target=TARGET, reason=f"{CHROMIUM} is missing")
    with scratch_dir("offline") as work:
        database = work / "rainbow.db"
        env, token = migrated_rainbow(work, f"sqlite:///{database}")
        server = start_rainbow(work, env)
        with running(server):
            room = open_room(server.url, token, title="P11")
            tablet = tablet_drain(server.url, room.code, room.items)
            after = stored(database, room.session_id)
            floor_room = open_room(server.url, token, title="P11 floor", round_id=room.round_id)
            entries = floor_entries(server.url, floor_room.code, json.loads(tablet.pop("entries")))
            floor_s = asyncio.run(_floor_send(server.url, entries))
    seconds = tablet["ms"] / 1000
    summary = tablet["summary"]
    total = PEOPLE * 10
    checks = {
        "all_acknowledged": summary["sent"] == total and summary["waiting"] == 0,
        "within_2_s": seconds <= LIMIT_S,
        "exactly_once": after
        == {"answers": total, "idempotency_replies": summary["requests"], "participants": PEOPLE + 1},
        "replay_changed_nothing": tablet["replayed_sent"] == total,
    }
    share = round(seconds / floor_s, 2) if floor_s else None
    return result(
        id="P11",
        what=WHAT,
        target=TARGET,
        measured={
            "seconds": round(seconds, 3),
            "queued": tablet["queued"],
            "summary": summary,
            "stored_after": after,
            "replayed_sent": tablet["replayed_sent"],
            "load": tablet["load"],
            "method": __doc__.split("\n\n", 1)[1].replace("\n", " ") if __doc__ else "",
        },
        floor={"what": "the 200 answers as 200 PUTs, bare httpx, 8 in flight", "seconds": floor_s},
        ratio=share,
        ratio_what="tablet seconds / floor seconds",
        checks=checks,
        passed=all(checks.values()),
        **headline(
            value=seconds,
            unit="s",
            value_what="from reconnecting to the 200th acknowledgement",
            floor_ratio=share,
            floor_ratio_what="tablet seconds / floor seconds",
        ),
    )
