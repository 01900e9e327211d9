"""The focus group as a group, in real browsers: the facilitator runs the room on a tablet while the room
screen is projected from another, three children answer on tablets and a phone (two more answer from their
own devices through the API, so that statements can pass the group-size rule), and one child hands on
half-way. The screen follows the facilitator through the reveal, statement by statement, within two seconds,
and shows the agreed rating once recorded; the counts stay true throughout; no page logs a console error.

Screenshots of each step of the projector are kept under /tmp/shots/room/ (RAINBOW_SHOTS overrides it).
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser import flows
from tests.browser.conftest import Contexts

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("RAINBOW_SHOTS", "/tmp/shots/room"))
FOLLOW_SECONDS = 2.0
CHILD_SCALE = ["Never", "Not often", "Sometimes", "Mostly", "Always", "Don\u2019t know"]


class Console:
    """Every console error and warning of the pages it watches (a CSP refusal is one), for one assertion."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def watch(self, page: Page, name: str) -> Page:
        def note(message: ConsoleMessage) -> None:
            if message.type in ("error", "warning"):
                self.problems.append(f"{name}: {message.text}")

        page.on("console", note)
        page.on("pageerror", lambda error: self.problems.append(f"{name}: {error}"))
        return page


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def expect_counts(page: Page, box: str = "#progress", **expected: str) -> None:
    """The live counts in `box` (the room's progress, or the close page's) come to `expected`."""
    for label, value in expected.items():
        shown = page.locator(f"{box} div").filter(has=page.locator("dt", has_text=label.replace("_", " ")))
        expect(shown.locator("dd")).to_have_text(value, timeout=8_000)


def child_starts(page: Page, code: str) -> None:
    flows.join(page, code)
    page.get_by_role("link", name="Start").first.click()
    page.get_by_label("8 to 10").check()
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_url(flows.path_is("/respond/questions/1"))


def answer_from_own_device(base_url: str, code: str, ratings: dict[str, int]) -> None:
    """A child answering on their own device through the API: join, answer, submit."""

    def call(method: str, path: str, body: object, headers: dict[str, str]) -> dict[str, object]:
        request = urllib.request.Request(
            f"{base_url}{path}",
            data=json.dumps(body).encode(),
            method=method,
            headers={"Content-Type": "application/json", **headers},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            loaded: dict[str, object] = json.loads(response.read())
            return loaded

    token = call("POST", "/api/join", {"code": code}, {})["token"]
    answers = [{"item": item, "rating": rating} for item, rating in ratings.items()]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
    call("PUT", "/api/responses", {"answers": answers, "submit": True}, headers)


def screen_follows(screen: Page, text: str) -> float:
    """Seconds until the screen shows the statement `text` (it must within FOLLOW_SECONDS)."""
    started = time.monotonic()
    expect(screen.locator(".screen-statement-text")).to_have_text(text, timeout=FOLLOW_SECONDS * 1000)
    return time.monotonic() - started


def test_the_screen_follows_the_facilitator_while_children_answer_and_one_hands_on(
    contexts: Contexts, server: str
) -> None:
    console = Console()
    facilitator = console.watch(contexts.page("tablet"), "facilitator")
    flows.sign_in(facilitator, flows.FACILITATOR)
    room = flows.create_session(
        facilitator, viewpoint="child", arcs=["orange"], title="Room screen, Oak class"
    )
    screen = console.watch(contexts.page("tablet"), "screen")
    flows.sign_in(screen, flows.FACILITATOR)
    screen.goto(f"{room.path}/screen")
    expect(screen.locator(".screen-code")).to_have_text(f"{room.code[:3]} {room.code[3:]}")
    shot(screen, "1-before-the-reveal-join-code")

    children = [
        console.watch(contexts.page(device), f"child {n}")
        for n, device in enumerate(("tablet", "phone", "tablet"), 1)
    ]
    for child in children:
        child_starts(child, room.code)
    for child, faces in zip(children, (("4", "3"), ("5", "2"), ("3",)), strict=True):
        for face in faces:
            flows.tap_face(child, face)
    expect(children[2]).to_have_url(flows.path_is("/respond/questions/2"))
    expect_counts(facilitator, Joined="3", Answering="3", Submitted="0", Left_without_submitting="0")

    # The third child hands on half-way: small, at the end of the page, and it asks first.
    children[2].locator("details.hand-on-child summary").click()
    children[2].get_by_role("button", name="Yes, hand on").click()
    flows.expect_handed_on(children[2], room.code)
    for ratings in ({"orange.child.1": 4, "orange.child.2": 4}, {"orange.child.1": 2, "orange.child.2": 5}):
        answer_from_own_device(server, room.code, ratings)
    expect_counts(facilitator, Joined="5", Answering="2", Submitted="2", Left_without_submitting="1")
    expect(screen.locator(".screen-joined")).to_have_text("5 joined \u00b7 2 finished", timeout=3_000)
    shot(screen, "2-before-the-reveal-counts")

    facilitator.goto(room.path)
    facilitator.get_by_role("button", name="Reveal the room's answers").click()
    texts = facilitator.locator("#statements article .muted").filter(has_text="Children read")
    first = texts.nth(0).inner_text().split("\u201c", 1)[1].rstrip("\u201d")
    second = texts.nth(1).inner_text().split("\u201c", 1)[1].rstrip("\u201d")
    screen_follows(screen, first)
    expect(screen.locator(".screen-step")).to_contain_text("Statement 1 of 5")
    expect(screen.locator(".screen-bars tbody th")).to_have_text(CHILD_SCALE)
    expect(screen.locator(".screen-chart figcaption")).to_have_text("What the room said: 5 answers")
    shot(screen, "3-statement-1-answers")

    facilitator.locator("#onscreen").get_by_role("button", name="Next").click()
    expect(facilitator.locator("#onscreen")).to_contain_text("Showing statement 2 of 5")
    seconds_next = screen_follows(screen, second)
    # Four rated it (the child who handed on had not reached it): too few to show.
    expect(screen.locator(".screen-too-few")).to_have_text("Too few answers to show.")
    shot(screen, "4-statement-2-too-few")

    facilitator.locator("#onscreen").get_by_role("button", name="Previous").click()
    seconds_back = screen_follows(screen, first)
    statement = facilitator.locator("#item-orange-child-1")
    statement.get_by_label("The group's agreed rating").select_option("4")
    statement.get_by_label("Evidence the group gave").fill(
        "Most of us said the grown-ups explain things well."
    )
    expect(statement.locator(".counter")).to_have_text("50 of 5,000 characters used")
    statement.get_by_role("button", name="Save").click()
    expect(facilitator.locator("#item-orange-child-1 .saved")).to_have_text("Saved: agreed 4 \u2013 Mostly.")
    expect(screen.locator(".screen-agreed")).to_have_text(
        "The group agreed: 4 \u2013 Mostly", timeout=FOLLOW_SECONDS * 1000
    )
    shot(screen, "5-statement-1-agreed-rating")
    shot(facilitator, "6-facilitator-room")

    facilitator.goto(f"{room.path}/close")
    expect(facilitator.locator(".close-warning")).to_contain_text("2 people are still answering")
    facilitator.get_by_role("button", name="Lock and wait").click()
    expect(facilitator).to_have_url(flows.path_is(f"{room.path}/close"))
    shot(facilitator, "7-close-lock-and-wait")
    expect_counts(
        facilitator, "#waiting", Joined="5", Answering="2", Submitted="2", Left_without_submitting="1"
    )
    assert max(seconds_next, seconds_back) < FOLLOW_SECONDS
    assert console.problems == []
