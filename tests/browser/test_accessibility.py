"""axe-core on every page of the flows: no violation whose impact is serious or critical."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import flows
from tests.browser.conftest import Axe, Contexts, OpenSessions

pytestmark = pytest.mark.browser


def test_the_respondent_pages_have_no_serious_accessibility_violations(
    contexts: Contexts, open_sessions: OpenSessions, axe: Axe
) -> None:
    page = contexts.page("tablet")
    page.goto("/join")
    page.get_by_label("Code on the screen").fill("WRONG99")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe.check(page)
    flows.child_flow(page, open_sessions.child_code, visit=axe.check)
    flows.staff_flow(contexts.page("phone"), open_sessions.staff_code, visit=axe.check)
    assert not axe.found, axe.report()


def _facilitator_pages(page: Page, axe: Axe) -> None:
    flows.sign_in(page, flows.FACILITATOR, visit=axe.check)
    page.goto("/facilitate")
    if page.locator("details.new-session:not([open])").count():  # folded away once there are sessions
        page.locator("details.new-session > summary").click()
    axe.check(page)
    page.get_by_role("button", name="Create the session").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe.check(page)
    room = flows.create_session(
        page, viewpoint="team", arcs=["blue"], title="Accessibility: team", visit=axe.check
    )
    for path in ("/screen", "/paper", "/close"):
        page.goto(room.path + path)
        axe.check(page)
    # Before the reveal, how many more people each statement needs; then, five paper questionnaires typed in
    # by this facilitator (all its raters: the room may see them), the room's answers in tables.
    page.goto(room.path)
    expect(page.locator("#item-blue-team-1")).to_contain_text("Needs 5 more people rating it")
    axe.check(page)
    for rating in ("4", "3", "5", "4", "2"):
        page.goto(room.path + "/paper")
        page.locator(f'input[name="rating-blue.team.1"][value="{rating}"]').check()
        page.get_by_role("button", name="Save this paper").click()
        expect(page).to_have_url(flows.path_is(f"{room.path}/paper"))
    page.goto(room.path)
    page.get_by_role("button", name="Reveal the room's answers").click()
    expect(page.locator("#item-blue-team-1 table.distribution")).to_be_visible()
    axe.check(page)


def _lead_pages(page: Page, axe: Axe) -> None:
    flows.sign_in(page, flows.LEAD)
    page.goto("/trust")
    axe.check(page)
    page.get_by_role("link", name=flows.DEMO_TRUST_NAME).click()
    axe.check(page)
    trust_path = flows.url_path(page)
    page.get_by_role("link", name=flows.ROUND_NAME).click()
    expect(page).to_have_url(flows.path_is(r"/trust/rounds/\d+"))
    round_path = flows.url_path(page)
    axe.check(page)
    paths = ("/progress", "/compare", "/compare?view=side", "/arcs/orange", "/gaps", "/targets", "/coverage")
    for path in paths:
        page.goto(round_path + path)
        axe.check(page)
    page.goto(f"{trust_path}/actions")
    page.get_by_label("Action", exact=True).fill("Joint induction for all new staff")
    page.locator('input[name="arcs"][value="orange"]').check()
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.locator(".action-card", has_text="Joint induction for all new staff")).to_have_count(1)
    axe.check(page)


def test_the_staff_pages_have_no_serious_accessibility_violations(contexts: Contexts, axe: Axe) -> None:
    _facilitator_pages(contexts.page("tablet"), axe)
    _lead_pages(contexts.page("tablet"), axe)
    assert not axe.found, axe.report()
