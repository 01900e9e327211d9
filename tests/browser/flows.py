"""What people do in the browser, step by step, shared by the browser tests.

Each flow takes a ``visit`` callback, called once on every page the flow reaches (the accessibility tests
pass axe there); the flows check what a person would see as they go.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

from app.services.demo import DEMO_TRUST_NAME
from app.services.demo_story import DEMO_ACCOUNTS, ROUNDS
from app.web.auth import PARTICIPANT_COOKIE

Visit = Callable[[Page], None]
ROUND_NAME = ROUNDS[1].name  # the demo's 2010 re-assessment, compared with its 2009 baseline
BASELINE_NAME = ROUNDS[0].name
CHILD_WORDS = {"1": "Never", "2": "Not often", "3": "Sometimes", "4": "Mostly", "5": "Always", "dk": "know"}
# A child's answers to the five orange statements: faces, and "I don't know".
CHILD_ANSWERS = ("4", "3", "5", "dk", "2")
# A member of staff's answers to orange (page 1) and green (page 2); "" leaves a statement blank.
STAFF_ANSWERS = (("3", "4", "2", "dk", "5"), ("2", "", "na", "3", "4"))
STAFF_COMMENT = "Joint visits with health visitors have started."


@dataclass(frozen=True)
class Account:
    email: str
    password: str


def _account(email: str) -> Account:
    account = next(a for a in DEMO_ACCOUNTS if a.email == email)
    return Account(account.email, account.password)


FACILITATOR = _account("facilitator1@riverside.example.org")
LEAD = _account("lead@riverside.example.org")


def ignore(page: Page) -> None:
    """A visit that does nothing."""


def url_path(page: Page) -> str:
    """The page's path and query, e.g. "/join?code=ABCDEFG"."""
    return re.sub(r"^https?://[^/]+", "", page.url)


def path_is(path: str) -> re.Pattern[str]:
    """A pattern for expect(page).to_have_url(): this path, with any query."""
    return re.compile(rf"^https?://[^/]+{path}(\?.*)?$")


# --- staff -------------------------------------------------------------------------------------------------


def sign_in(page: Page, account: Account, *, visit: Visit = ignore) -> None:
    page.goto("/login")
    visit(page)
    page.get_by_label("Email address").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(path_is("/login"))


def take_late_answers(page: Page) -> None:
    """The trust lead lets the demo's 2010 round take late answers: the demo published it, and a published
    round takes no new focus groups until it is reopened (its dashboard goes on showing publication 1)."""
    sign_in(page, LEAD)
    page.goto("/trust")
    page.get_by_role("link", name=DEMO_TRUST_NAME).click()
    page.get_by_role("link", name=ROUND_NAME).click()
    expect(page).to_have_url(path_is(r"/trust/rounds/\d+"))
    page.get_by_role("button", name="Take late answers").click()
    expect(page).to_have_url(path_is(r"/trust/rounds/\d+/progress"))
    expect(page.locator(".lede")).to_contain_text("is taking late answers")


@dataclass(frozen=True)
class Room:
    """A focus-group session as its facilitator sees it."""

    id: int
    code: str

    @property
    def path(self) -> str:
        return f"/facilitate/sessions/{self.id}"


def create_session(
    page: Page, *, viewpoint: str, arcs: Sequence[str], title: str, visit: Visit = ignore
) -> Room:
    """A signed-in facilitator creates a session in the demo's 2010 round, opens it and reads its code."""
    page.goto("/facilitate")
    visit(page)
    if page.locator("details.new-session:not([open])").count():  # folded away once there are sessions
        page.locator("details.new-session > summary").click()
    page.get_by_label("Round").select_option(label=f"{DEMO_TRUST_NAME}: {ROUND_NAME}")
    page.locator(f'input[name="viewpoint"][value="{viewpoint}"]').check()
    for arc in arcs:
        page.locator(f'input[name="arcs"][value="{arc}"]').check()
    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Create the session").click()
    expect(page).to_have_url(path_is(r"/facilitate/sessions/\d+"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page.locator(".room-state .state-badge")).to_have_text("Open")
    visit(page)
    code = page.locator(".join-code").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z0-9]{7}", code), code
    session_id = int(url_path(page).split("?")[0].rstrip("/").split("/")[-1])
    return Room(id=session_id, code=code)


def progress_count(page: Page, label: str) -> Locator:
    """One of the room's live counts ("Joined", "Answering", "Submitted")."""
    return page.locator("#progress div").filter(has=page.locator("dt", has_text=label)).locator("dd")


# --- respondents -------------------------------------------------------------------------------------------


def join(page: Page, code: str, *, visit: Visit = ignore) -> None:
    """Type the code on the screen and press Join: the questionnaire's first page."""
    page.goto("/join")
    visit(page)
    page.get_by_label("Code on the screen").fill(code)
    page.get_by_role("button", name="Join").click()
    expect(page).to_have_url(path_is("/respond"))


def tap_face(page: Page, value: str) -> None:
    page.locator(f'button[name="rating"][value="{value}"]').click()


def face_chosen(page: Page, value: str) -> None:
    face = page.locator(f'button[name="rating"][value="{value}"]')
    expect(face).to_have_attribute("aria-pressed", "true")
    expect(page.locator('button[name="rating"][aria-pressed="true"]')).to_have_count(1)


def child_flow(page: Page, code: str, *, visit: Visit = ignore) -> None:
    """A child joins, answers the five statements (reloading half-way), checks, sends and hands on."""
    join(page, code, visit=visit)
    visit(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Before you start")
    page.get_by_role("link", name="Start").click()
    expect(page).to_have_url(path_is("/respond/about-you"))
    visit(page)
    page.get_by_label("8 to 10").check()
    page.get_by_role("button", name="Next").click()
    for number, value in enumerate(CHILD_ANSWERS, start=1):
        expect(page).to_have_url(path_is(f"/respond/questions/{number}"))
        if number == 3:
            _child_reloads_and_looks_back(page)
        visit(page)
        tap_face(page, value)
    expect(page).to_have_url(path_is("/respond/review"))
    visit(page)
    answers = page.locator(".review-answer")
    expect(answers).to_have_count(len(CHILD_ANSWERS))
    for number, value in enumerate(CHILD_ANSWERS):
        expect(answers.nth(number)).to_contain_text(CHILD_WORDS[value])
    page.get_by_role("button", name="Send my answers").click()
    expect(page).to_have_url(path_is("/respond/thanks"))
    visit(page)
    hand_on(page, code)


def _child_reloads_and_looks_back(page: Page) -> None:
    """Half-way: reload, then go back a statement: the answer given there is still the one shown."""
    page.reload()
    expect(page).to_have_url(path_is("/respond/questions/3"))
    expect(page.locator(".progress-text")).to_have_text("3 of 5")
    page.get_by_role("link", name="Back", exact=True).click()
    expect(page).to_have_url(path_is("/respond/questions/2"))
    face_chosen(page, CHILD_ANSWERS[1])
    tap_face(page, CHILD_ANSWERS[1])
    expect(page).to_have_url(path_is("/respond/questions/3"))


def rate(page: Page, ratings: Sequence[str]) -> None:
    """Choose a rating for each statement of a staff page ("" leaves one blank)."""
    cards = page.locator("fieldset.statement-card")
    expect(cards).to_have_count(len(ratings))
    for number, value in enumerate(ratings):
        if value:
            cards.nth(number).locator(f'input[type="radio"][value="{value}"]').check()


def expect_rated(page: Page, ratings: Sequence[str]) -> None:
    cards = page.locator("fieldset.statement-card")
    for number, value in enumerate(ratings):
        checked = cards.nth(number).locator('input[type="radio"]:checked')
        if value:
            expect(checked).to_have_value(value)
        else:
            expect(checked).to_have_count(0)


def staff_flow(page: Page, code: str, *, visit: Visit = ignore) -> None:
    """A practitioner joins, answers two arcs (reloading half-way), checks, submits and hands on."""
    join(page, code, visit=visit)
    visit(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("About this questionnaire")
    page.get_by_role("link", name="Start").click()
    expect(page).to_have_url(path_is("/respond/about-you"))
    visit(page)
    page.locator('input[name="sector"]').first.check()
    page.locator('input[name="role_level"][value="frontline"]').check()
    page.get_by_role("button", name="Next").click()
    first, second = STAFF_ANSWERS
    expect(page).to_have_url(path_is("/respond/questions/1"))
    visit(page)
    rate(page, first)
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(path_is("/respond/questions/2"))
    _staff_reloads_and_looks_back(page, answered=sum(1 for value in first if value))
    rate(page, second)
    page.locator("fieldset.statement-card").first.locator("summary").click()
    page.get_by_label("Comment on statement 1 (optional)").fill(STAFF_COMMENT)
    visit(page)
    page.get_by_role("button", name="Save and check your answers").click()
    expect(page).to_have_url(path_is("/respond/review"))
    visit(page)
    answered = sum(1 for group in STAFF_ANSWERS for value in group if value)
    expect(page.locator(".lede")).to_contain_text(f"You have answered {answered} of 10 statements")
    expect(page.locator(".review-comment")).to_have_text(f"\u201c{STAFF_COMMENT}\u201d")
    page.get_by_role("button", name="Submit your answers").click()
    expect(page).to_have_url(path_is("/respond/thanks"))
    visit(page)
    hand_on(page, code)


def _staff_reloads_and_looks_back(page: Page, *, answered: int) -> None:
    """Half-way: reload the second page, then go back: the first page's answers are still chosen."""
    page.reload()
    expect(page.locator(".progress-text")).to_contain_text(f"Page 2 of 2 \u00b7 {answered} of 10")
    page.get_by_role("button", name="Save and go back").click()
    expect(page).to_have_url(path_is("/respond/questions/1"))
    expect_rated(page, STAFF_ANSWERS[0])
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(path_is("/respond/questions/2"))
    expect_rated(page, [""] * len(STAFF_ANSWERS[1]))


def hand_on(page: Page, code: str) -> None:
    """Press "Finish and hand on" on the thank-you page: nothing of this person is left in the browser."""
    page.locator(".thanks").get_by_role("button", name="Finish and hand on").click()
    expect_handed_on(page, code)


def expect_handed_on(page: Page, code: str) -> None:
    expect(page).to_have_url(path_is("/join"))
    expect(page.get_by_label("Code on the screen")).to_have_value(code)
    assert PARTICIPANT_COOKIE not in {cookie["name"] for cookie in page.context.cookies()}
    for path in ("/respond", "/respond/review", "/respond/questions/1", "/respond/thanks"):
        page.goto(path)
        expect(page).to_have_url(path_is("/join"))
        expect(page.locator(".review-item, .statement-card, .face")).to_have_count(0)
