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
    page.get_by_role("button", name="Create the session").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe.check(page)
    room = flows.create_session(
        page, viewpoint="team", arcs=["blue"], title="Accessibility: team", visit=axe.check
    )
    for path in ("/screen", "/paper", "/close"):
        page.goto(room.path + path)
        axe.check(page)
    # A closed demo session, its answers revealed: the room's answers in tables.
    page.goto("/facilitate")
    page.locator(".session-card").filter(has_text="Closed").first.locator("a.session-link").click()
    page.get_by_role("button", name="Reveal the room's answers").click()
    expect(page.locator("table.distribution").first).to_be_visible()
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
    for path in ("/compare", "/compare?view=side", "/arcs/orange", "/gaps", "/targets", "/coverage"):
        page.goto(round_path + path)
        axe.check(page)
    page.goto(f"{trust_path}/actions")
    page.get_by_label("Action", exact=True).fill("Joint induction for all new staff")
    page.locator('input[name="arcs"][value="orange"]').check()
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.locator(".action-card")).to_have_count(1)
    axe.check(page)


def test_the_staff_pages_have_no_serious_accessibility_violations(contexts: Contexts, axe: Axe) -> None:
    _facilitator_pages(contexts.page("tablet"), axe)
    _lead_pages(contexts.page("tablet"), axe)
    assert not axe.found, axe.report()
