"""Both questionnaires can be completed with the keyboard alone: Tab, Space, Enter and the arrow keys."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import flows
from tests.browser.conftest import Contexts, OpenSessions

pytestmark = pytest.mark.browser

MAX_TABS = 80
# The order of a staff statement's radio buttons: the arrow keys move through them in this order.
STAFF_VALUES = ("1", "2", "3", "4", "5", "dk", "na")


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element with keyboard focus matches `selector`."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(
            "s => document.activeElement !== null && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached {selector} on {flows.url_path(page)}")


def join_by_keyboard(page: Page, code: str) -> None:
    page.goto("/join")
    tab_to(page, "#field-code")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page).to_have_url(flows.path_is("/respond"))
    tab_to(page, 'a[href="/respond/about-you"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(flows.path_is("/respond/about-you"))


def choose_radio(page: Page, group: str, index: int) -> None:
    """Tab into a radio group with nothing chosen (focus lands on its first button), choose the first with
    Space, then move `index` buttons on with the right arrow (which chooses as it moves)."""
    tab_to(page, group)
    page.keyboard.press("Space")
    for _ in range(index):
        page.keyboard.press("ArrowRight")


def submit_and_hand_on(page: Page, code: str) -> None:
    expect(page).to_have_url(flows.path_is("/respond/review"))
    tab_to(page, ".submit-form button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(flows.path_is("/respond/thanks"))
    tab_to(page, ".thanks button")
    page.keyboard.press("Enter")
    flows.expect_handed_on(page, code)


def test_a_child_answers_with_the_keyboard_alone(contexts: Contexts, open_sessions: OpenSessions) -> None:
    page = contexts.page("tablet")
    join_by_keyboard(page, open_sessions.child_code)
    choose_radio(page, 'input[name="age_band"]', 1)
    expect(page.locator('input[name="age_band"]:checked')).to_have_value("8-10")
    tab_to(page, 'button[type="submit"].button-go')
    page.keyboard.press("Enter")
    for number, value in enumerate(flows.CHILD_ANSWERS, start=1):
        expect(page).to_have_url(flows.path_is(f"/respond/questions/{number}"))
        tab_to(page, f'button[name="rating"][value="{value}"]')
        page.keyboard.press("Space" if number % 2 else "Enter")
    answers = page.locator(".review-answer")
    for number, value in enumerate(flows.CHILD_ANSWERS):
        expect(answers.nth(number)).to_contain_text(flows.CHILD_WORDS[value])
    submit_and_hand_on(page, open_sessions.child_code)


def answer_staff_page(page: Page, ratings: tuple[str, ...], *, comment: str = "") -> None:
    """Rate each statement of the page with the arrow keys (a comment on the first, if given), then save."""
    ids = page.locator("fieldset.statement-card").evaluate_all("cards => cards.map(card => card.id)")
    assert len(ids) == len(ratings)
    for card_id, value in zip(ids, ratings, strict=True):
        if value:
            choose_radio(page, f'[id="{card_id}"] input[type="radio"]', STAFF_VALUES.index(value))
        if comment and card_id == ids[0]:
            tab_to(page, f'[id="{card_id}"] summary')
            page.keyboard.press("Enter")
            tab_to(page, f'[id="{card_id}"] textarea')
            page.keyboard.type(comment)
    flows.expect_rated(page, ratings)
    tab_to(page, 'button[name="go"][value="next"]')
    page.keyboard.press("Enter")


def test_a_practitioner_answers_with_the_keyboard_alone(
    contexts: Contexts, open_sessions: OpenSessions
) -> None:
    page = contexts.page("tablet")
    join_by_keyboard(page, open_sessions.staff_code)
    choose_radio(page, 'input[name="sector"]', 1)
    tab_to(page, 'input[name="role_level"]')
    page.keyboard.press("Space")
    tab_to(page, 'button[type="submit"].button-go')
    page.keyboard.press("Enter")
    first, second = flows.STAFF_ANSWERS
    expect(page).to_have_url(flows.path_is("/respond/questions/1"))
    answer_staff_page(page, first)
    expect(page).to_have_url(flows.path_is("/respond/questions/2"))
    answer_staff_page(page, second, comment=flows.STAFF_COMMENT)
    expect(page.locator(".review-comment")).to_have_text(f"\u201c{flows.STAFF_COMMENT}\u201d")
    answered = sum(1 for group in flows.STAFF_ANSWERS for value in group if value)
    expect(page.locator(".lede")).to_contain_text(f"You have answered {answered} of 10 statements")
    submit_and_hand_on(page, open_sessions.staff_code)
