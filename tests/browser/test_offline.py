"""Tablets that keep working when the Wi-Fi drops (issue 15), in a real Chromium on a tablet: answers queue in
the tablet's outbox while offline and arrive exactly once when it reconnects, a second child joins offline,
a closed session's late answers are refused and the tablet says so, and nothing of the last person is left on
the tablet after hand-on and sync. Without JavaScript the online flow is unchanged."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from app.web.auth import PARTICIPANT_COOKIE
from tests.browser import flows
from tests.browser.conftest import Contexts

pytestmark = pytest.mark.browser
# The tablet's service worker fetches pages itself; Playwright's offline switch and routes reach a service
# worker's requests only with this (read when the Playwright driver starts, after this module is collected).
os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")

STEPS = len(flows.CHILD_ANSWERS)  # a children's session on the orange arc: five statements
KEPT_PAGES = STEPS + 5  # and /join, /respond, about-you, review, thanks
OUTBOX_KEYS = """async () => {
  const store = idbKeyval.createStore("rainbow-offline", "kv");
  return (await idbKeyval.keys(store)).map(String);
}"""
OUTBOX_DUMP = """async () => {
  const store = idbKeyval.createStore("rainbow-offline", "kv");
  return JSON.stringify(await idbKeyval.entries(store));
}"""
CACHED_TEXT = """async (only) => {
  let text = "";
  for (const name of await caches.keys()) {
    if (only && name !== only) continue;
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      text += request.url + "\\n" + await (await cache.match(request)).text() + "\\n";
    }
  }
  return text;
}"""


@pytest.fixture
def database(tmp_path_factory: pytest.TempPathFactory, server: str) -> Iterator[sqlite3.Connection]:
    """The test server's database (conftest's `server` keeps it in its first temporary folder), read-only."""
    path = Path(tmp_path_factory.getbasetemp()) / "server0" / "rainbow.db"
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield connection
    connection.close()


@pytest.fixture
def room(contexts: Contexts) -> Iterator[tuple[Page, flows.Room]]:
    """A facilitator's page and a new children's session on the orange arc, open."""
    page = contexts.page("tablet")
    flows.sign_in(page, flows.FACILITATOR)
    created = flows.create_session(page, viewpoint="child", arcs=["orange"], title="Offline tablets")
    yield page, created


def answers_in(database: sqlite3.Connection, session_id: int) -> list[tuple[int, str, str]]:
    """(participant id, statement, answer) of every answer stored for the session."""
    rows = database.execute(
        "SELECT a.participant_id, a.item_code, COALESCE(CAST(a.rating AS TEXT), a.kind) FROM answers a"
        " JOIN participants p ON p.id = a.participant_id WHERE p.session_id = ?"
        " ORDER BY a.participant_id, a.item_code",
        (session_id,),
    )
    return list(rows)


def submitted_in(database: sqlite3.Connection, session_id: int) -> tuple[int, int]:
    """(participants, submitted) of the session."""
    row = database.execute(
        "SELECT COUNT(*), COUNT(submitted_at) FROM participants WHERE session_id = ?", (session_id,)
    ).fetchone()
    return int(row[0]), int(row[1])


def wait_for(check: Any, what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def queued(page: Page) -> int:
    return sum(1 for key in page.evaluate(OUTBOX_KEYS) if key.startswith("e:"))


def current_token(page: Page) -> str:
    """The participant token of the person on the tablet now."""
    token: str = page.evaluate(
        "async () => (await idbKeyval.get('current', idbKeyval.createStore('rainbow-offline', 'kv'))).token"
    )
    assert len(token) >= 22
    return token


def join_online(page: Page, code: str, pages: int = KEPT_PAGES) -> None:
    """Join with the code while online; the tablet keeps the session's `pages` before going on."""
    flows.join(page, code)
    kept = "async () => (await (await caches.open('rainbow-session')).keys()).length"
    wait_for(lambda: page.evaluate(kept) >= pages, "the questionnaire kept on the tablet", seconds=45)
    # The service worker installs (keeping the shell) and takes the page over; slow on a busy machine. An
    # install that failed (a shell file timed out) is tried again by the next page the tablet opens, as a
    # real tablet's next page would: so one reload before giving up.
    controlled = "() => navigator.serviceWorker.controller !== null"
    try:
        page.wait_for_function(controlled, timeout=45_000)
    except PlaywrightTimeoutError:
        page.reload()
        page.wait_for_function(controlled, timeout=60_000)


def start(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Before you start")
    page.get_by_role("link", name="Start").click()
    expect(page).to_have_url(flows.path_is("/respond/about-you"))
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_url(flows.path_is("/respond/questions/1"))


def answer(page: Page, numbers: range) -> None:
    """Tap the child's faces for these statements; then the next page has opened."""
    for number in numbers:
        expect(page).to_have_url(flows.path_is(f"/respond/questions/{number}"))
        flows.tap_face(page, flows.CHILD_ANSWERS[number - 1])
    after = numbers.stop
    expect(page).to_have_url(
        flows.path_is("/respond/review" if after > STEPS else f"/respond/questions/{after}")
    )


def review_and_send(page: Page) -> None:
    expect(page).to_have_url(flows.path_is("/respond/review"))
    answers = page.locator(".review-answer")
    for number, value in enumerate(flows.CHILD_ANSWERS):
        expect(answers.nth(number)).to_contain_text(flows.CHILD_WORDS[value])
    page.get_by_role("button", name="Send my answers").click()
    expect(page).to_have_url(flows.path_is("/respond/thanks"))


def hand_on(page: Page, code: str) -> None:
    page.locator(".thanks").get_by_role("button", name="Finish and hand on").click()
    expect(page).to_have_url(flows.path_is("/join"))
    expect(page.get_by_label("Code on the screen")).to_have_value(code)


def status_line(page: Page) -> Any:
    return page.locator("#outbox-status")


def test_two_children_answer_through_a_dropped_connection_and_every_answer_arrives_once(
    contexts: Contexts, room: tuple[Page, flows.Room], database: sqlite3.Connection
) -> None:
    staff, session = room
    tablet = contexts.page("tablet")
    context = tablet.context
    join_online(tablet, session.code)
    first = current_token(tablet)
    start(tablet)
    answer(tablet, range(1, 3))  # half the statements online
    expect(status_line(tablet)).to_have_text("Saved")
    context.set_offline(True)
    answer(tablet, range(3, STEPS + 1))
    expect(status_line(tablet)).to_contain_text("Saved on this tablet")
    review_and_send(tablet)
    expect(status_line(tablet)).to_contain_text("You can give the tablet to the next person")
    hand_on(tablet, session.code)  # still offline
    assert "current" not in tablet.evaluate(OUTBOX_KEYS)  # the first child is forgotten at once

    tablet.get_by_role("button", name="Join").click()  # the second child joins offline
    expect(tablet).to_have_url(flows.path_is("/respond"))
    second = current_token(tablet)
    start(tablet)
    answer(tablet, range(1, STEPS + 1))
    review_and_send(tablet)
    expect(status_line(tablet)).to_contain_text("Your answers are safe on this tablet")
    assert queued(tablet) == 3 + 1 + 1 + STEPS + 1  # A: 3 answers and submit; B: profile, 5 answers, submit
    hand_on(tablet, session.code)
    assert answers_in(database, session.id) != [] and submitted_in(database, session.id) == (1, 0)

    context.set_offline(False)
    wait_for(lambda: queued(tablet) == 0, "the outbox to empty")
    expect(status_line(tablet)).to_have_text("Sent")
    stored = answers_in(database, session.id)
    assert len(stored) == 2 * STEPS and len({pid for pid, _, _ in stored}) == 2
    assert submitted_in(database, session.id) == (2, 2)
    staff.reload()
    expect(flows.progress_count(staff, "Joined")).to_have_text("2")
    expect(flows.progress_count(staff, "Submitted")).to_have_text("2")

    # Nothing of either child is left on the tablet: no answer, token or queued entry anywhere.
    wait_for(lambda: "forget" not in tablet.evaluate(OUTBOX_KEYS), "the server to forget the first child")
    assert sorted(tablet.evaluate(OUTBOX_KEYS)) == ["tablet"]
    left = tablet.evaluate(OUTBOX_DUMP) + tablet.evaluate(CACHED_TEXT, None)
    left += tablet.evaluate("() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    assert second not in left
    assert first not in left
    kept = tablet.evaluate(CACHED_TEXT, "rainbow-session")  # the questionnaire's pages kept for offline
    assert 'aria-pressed="true"' not in kept and "is-chosen" not in kept  # kept pages show no one's answers
    assert PARTICIPANT_COOKIE not in {cookie["name"] for cookie in context.cookies()}


def test_a_tab_closed_offline_keeps_its_outbox_and_sends_it_when_reopened(
    contexts: Contexts, room: tuple[Page, flows.Room], database: sqlite3.Connection
) -> None:
    _, session = room
    tablet = contexts.page("tablet")
    context: BrowserContext = tablet.context
    join_online(tablet, session.code)
    start(tablet)
    answer(tablet, range(1, 2))
    context.set_offline(True)
    answer(tablet, range(2, 4))
    assert queued(tablet) == 2
    tablet.close()

    reopened = context.new_page()
    reopened.goto("/respond/questions/4")  # offline: the page the tablet kept
    expect(reopened.get_by_role("heading", level=1)).to_be_visible()
    assert queued(reopened) == 2
    expect(status_line(reopened)).to_contain_text("(2 waiting)")
    context.set_offline(False)
    wait_for(lambda: queued(reopened) == 0, "the outbox to empty")
    assert len(answers_in(database, session.id)) == 3


def test_answers_queued_while_the_server_answers_503_all_arrive_once_it_recovers(
    contexts: Contexts, room: tuple[Page, flows.Room], database: sqlite3.Connection
) -> None:
    _, session = room
    tablet = contexts.page("tablet")
    context = tablet.context
    join_online(tablet, session.code)
    start(tablet)
    failing = {"on": True, "refused": 0}

    def unavailable(route: Route) -> None:
        if failing["on"]:
            failing["refused"] += 1
            route.fulfill(status=503, body='{"detail": "down for a moment"}', content_type="application/json")
        else:
            route.continue_()

    context.route("**/api/responses", unavailable)
    answer(tablet, range(1, STEPS + 1))
    expect(status_line(tablet)).to_contain_text("waiting")
    assert failing["refused"] >= STEPS and queued(tablet) == STEPS
    failing["on"] = False
    wait_for(lambda: queued(tablet) == 0, "the outbox to empty once the server is back", seconds=60)
    assert len(answers_in(database, session.id)) == STEPS


def test_a_session_closed_while_a_tablet_was_offline_refuses_its_answers_and_the_tablet_says_so(
    contexts: Contexts, room: tuple[Page, flows.Room], database: sqlite3.Connection
) -> None:
    staff, session = room
    tablet = contexts.page("tablet")
    context = tablet.context
    join_online(tablet, session.code)
    start(tablet)
    answer(tablet, range(1, 2))
    context.set_offline(True)
    answer(tablet, range(2, 4))
    staff.goto(f"/facilitate/sessions/{session.id}/close")
    staff.get_by_role("button", name="Yes, close the session").click()

    context.set_offline(False)
    expect(status_line(tablet)).to_contain_text("The group finished before this tablet got back online")
    expect(status_line(tablet)).to_have_attribute("role", "alert")
    assert queued(tablet) == 0
    assert len(answers_in(database, session.id)) == 1


def test_without_javascript_the_online_flow_is_unchanged(
    contexts: Contexts, room: tuple[Page, flows.Room], database: sqlite3.Connection
) -> None:
    _, session = room
    page = contexts.page("tablet", javascript=False)
    flows.child_flow(page, session.code)
    assert len(answers_in(database, session.id)) == STEPS
    assert submitted_in(database, session.id) == (1, 1)


def test_answers_kept_longer_than_the_session_lasts_are_dropped_and_the_tablet_says_so(
    contexts: Contexts, room: tuple[Page, flows.Room], database: sqlite3.Connection
) -> None:
    _, session = room
    tablet = contexts.page("tablet")
    context = tablet.context
    join_online(tablet, session.code)
    start(tablet)
    context.set_offline(True)
    answer(tablet, range(1, 3))
    tablet.evaluate(
        """async () => {
          for (const entry of await RainbowOutbox.entries()) {
            entry.until = new Date(Date.now() - 60000).toISOString();  // the pass has expired since
            await RainbowOutbox.set(entry.id, entry);
          }
        }"""
    )
    context.set_offline(False)
    expect(status_line(tablet)).to_contain_text("kept longer than the session lasts")
    expect(status_line(tablet)).to_have_attribute("role", "alert")
    assert queued(tablet) == 0
    assert answers_in(database, session.id) == []


def test_a_full_outbox_saves_nothing_more_and_says_so(
    contexts: Contexts, room: tuple[Page, flows.Room]
) -> None:
    _, session = room
    tablet = contexts.page("tablet")
    join_online(tablet, session.code)
    start(tablet)
    tablet.context.set_offline(True)
    tablet.evaluate(
        """async () => {
          const tablet = await RainbowOutbox.get("tablet");
          for (let n = 0; n < RainbowOutbox.MAX_ENTRIES; n++) {
            await RainbowOutbox.set("e:" + String(n).padStart(15, "0"), {
              id: "e:" + String(n).padStart(15, "0"), key: "k" + n, token: "t".repeat(43),
              pass: tablet.pass, until: tablet.until, body: {answers: [], submit: false},
              created: n, tries: 0, next: 0
            });
          }
        }"""
    )
    flows.tap_face(tablet, flows.CHILD_ANSWERS[0])
    expect(status_line(tablet)).to_contain_text("This tablet is full")
    expect(tablet).to_have_url(flows.path_is("/respond/questions/1"))
    assert queued(tablet) == 1000


def test_storage_cleared_by_the_browser_loses_only_what_it_held(
    contexts: Contexts, room: tuple[Page, flows.Room], database: sqlite3.Connection, server: str
) -> None:
    _, session = room
    tablet = contexts.page("tablet")
    context = tablet.context
    join_online(tablet, session.code)
    start(tablet)
    answer(tablet, range(1, 2))
    context.set_offline(True)
    answer(tablet, range(2, 3))
    devtools = context.new_cdp_session(tablet)
    devtools.send("Storage.clearDataForOrigin", {"origin": server, "storageTypes": "indexeddb"})
    context.set_offline(False)
    tablet.reload()
    flows.tap_face(tablet, flows.CHILD_ANSWERS[2])  # the page still works: the answer goes as a form
    expect(tablet).to_have_url(flows.path_is("/respond/questions/4"))
    statements = [item for _, item, _ in answers_in(database, session.id)]
    assert statements == ["orange.child.1", "orange.child.3"]  # the second was only on the tablet


def test_queued_saves_sent_again_after_a_lost_acknowledgement_change_nothing(
    contexts: Contexts, room: tuple[Page, flows.Room], database: sqlite3.Connection
) -> None:
    _, session = room
    tablet = contexts.page("tablet")
    context = tablet.context
    join_online(tablet, session.code)
    start(tablet)
    context.set_offline(True)
    answer(tablet, range(1, STEPS + 1))
    saved = tablet.evaluate("async () => JSON.stringify(await RainbowOutbox.entries())")
    context.set_offline(False)
    wait_for(lambda: queued(tablet) == 0, "the outbox to empty")
    before = answers_in(database, session.id), requests_in(database, session.id)
    sent_again = tablet.evaluate(
        """async (saved) => {
          for (const entry of JSON.parse(saved)) { await RainbowOutbox.set(entry.id, entry); }
          return (await RainbowOutbox.drain(true)).sent;
        }""",
        saved,
    )
    assert sent_again == STEPS  # acknowledged again, as replays
    assert (answers_in(database, session.id), requests_in(database, session.id)) == before
    assert len(before[0]) == STEPS


def requests_in(database: sqlite3.Connection, session_id: int) -> int:
    """Replies kept for idempotency keys of the session's participants."""
    row = database.execute(
        "SELECT COUNT(*) FROM idempotent_requests r JOIN participants p ON p.id = r.participant_id"
        " WHERE p.session_id = ?",
        (session_id,),
    ).fetchone()
    return int(row[0])


def test_a_practitioner_answers_two_arcs_offline_with_a_comment_and_it_all_arrives(
    contexts: Contexts, database: sqlite3.Connection
) -> None:
    staff = contexts.page("tablet")
    flows.sign_in(staff, flows.FACILITATOR)
    session = flows.create_session(
        staff, viewpoint="practitioner", arcs=["orange", "green"], title="Offline practitioners"
    )
    tablet = contexts.page("tablet")
    join_online(tablet, session.code, pages=2 + 5)  # two arcs' pages, and the five others
    tablet.context.set_offline(True)
    tablet.get_by_role("link", name="Start").click()
    tablet.locator('input[name="role_level"][value="frontline"]').check()
    tablet.get_by_role("button", name="Next").click()
    first, second = flows.STAFF_ANSWERS
    expect(tablet).to_have_url(flows.path_is("/respond/questions/1"))
    flows.rate(tablet, first)
    tablet.get_by_role("button", name="Save and continue").click()
    expect(tablet).to_have_url(flows.path_is("/respond/questions/2"))
    flows.rate(tablet, second)
    tablet.locator("fieldset.statement-card").first.locator("summary").click()
    tablet.get_by_label("Comment on statement 1 (optional)").fill(flows.STAFF_COMMENT)
    tablet.get_by_role("button", name="Save and go back").click()
    expect(tablet).to_have_url(flows.path_is("/respond/questions/1"))
    flows.expect_rated(tablet, first)  # offline, the kept page shows what was given on this tablet
    tablet.get_by_role("button", name="Save and continue").click()
    flows.expect_rated(tablet, second)
    tablet.get_by_role("button", name="Save and check your answers").click()
    expect(tablet).to_have_url(flows.path_is("/respond/review"))
    answered = sum(1 for group in flows.STAFF_ANSWERS for value in group if value)
    expect(tablet.locator(".lede")).to_contain_text(f"{answered} of 10")
    expect(tablet.locator(".review-comment")).to_have_text(f"\u201c{flows.STAFF_COMMENT}\u201d")
    tablet.get_by_role("button", name="Submit your answers").click()
    expect(status_line(tablet)).to_contain_text("It is fine to hand the tablet on now")

    tablet.context.set_offline(False)
    wait_for(lambda: queued(tablet) == 0, "the outbox to empty")
    assert len(answers_in(database, session.id)) == answered
    assert submitted_in(database, session.id) == (1, 1)
    comment, role_level = database.execute(
        "SELECT a.comment, p.role_level FROM answers a JOIN participants p ON p.id = a.participant_id"
        " WHERE p.session_id = ? AND a.item_code = 'green.practitioner.1'",
        (session.id,),
    ).fetchone()
    assert (comment, role_level) == (flows.STAFF_COMMENT, "frontline")
