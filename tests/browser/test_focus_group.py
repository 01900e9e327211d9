"""A focus group end to end in a real browser: the facilitator's room, children and staff answering on
tablets and phones, the group's agreed rating, and the trust lead's comparison and board report."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import flows
from tests.browser.conftest import DEVICES, Contexts, OpenSessions

pytestmark = pytest.mark.browser


def _reveal_and_agree(page: Page, room: flows.Room) -> None:
    """The facilitator reveals the room's answers and records the group's agreed rating for statement 1."""
    page.goto(room.path)
    expect(page.get_by_role("button", name="Reveal the room's answers")).to_be_visible()
    page.get_by_role("button", name="Reveal the room's answers").click()
    expect(page.get_by_role("button", name="Hide the room's answers")).to_be_visible()
    statement = page.locator("#item-orange-practitioner-1")
    # Two people rated it: too few to show without someone's answer being picked out.
    expect(statement.locator(".suppressed-note")).to_contain_text("too few answers to show")
    expect(statement.locator(".suppressed-note")).to_contain_text("It needs 3 more people rating it")
    statement.get_by_label("The group's agreed rating").select_option("4")
    statement.get_by_label("Evidence the group gave").fill(
        "Shared assessment forms are used across services."
    )
    statement.get_by_role("button", name="Save").click()
    saved = page.locator("#item-orange-practitioner-1 .saved")
    expect(saved).to_have_text("Saved: agreed 4 \u2013 Mostly true.")
    page.reload()
    expect(page.locator("#item-orange-practitioner-1")).to_contain_text("Recorded: agreed 4")


def _lead_compares_and_downloads(page: Page) -> None:
    """The trust lead opens the 2010 round against its baseline and downloads the board report."""
    flows.sign_in(page, flows.LEAD)
    page.goto("/trust")
    page.get_by_role("link", name=flows.DEMO_TRUST_NAME).click()
    page.get_by_role("link", name=flows.ROUND_NAME).click()
    expect(page).to_have_url(flows.path_is(r"/trust/rounds/\d+"))
    page.get_by_role("link", name="Compare with a baseline").click()
    expect(page).to_have_url(flows.path_is(r"/trust/rounds/\d+/compare"))
    heading = f"{flows.ROUND_NAME} against {flows.BASELINE_NAME}"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("heading", name="What moved")).to_be_visible()
    # The compare page has no download of its own: the board report is on the round's dashboard.
    page.get_by_role("link", name="Dashboard", exact=True).click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^Board report \(PDF\)")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    path = download.path()
    assert path is not None
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


@pytest.mark.parametrize("device", list(DEVICES))
def test_a_focus_group_from_the_join_code_to_the_board_report(contexts: Contexts, device: str) -> None:
    facilitator = contexts.page(device)
    flows.sign_in(facilitator, flows.FACILITATOR)
    children = flows.create_session(
        facilitator, viewpoint="child", arcs=["orange"], title=f"Willow Lane, {device}"
    )
    staff = flows.create_session(
        facilitator, viewpoint="practitioner", arcs=["orange", "green"], title=f"Practitioners, {device}"
    )

    flows.child_flow(contexts.page(device), children.code)
    for _ in range(2):
        flows.staff_flow(contexts.page(device), staff.code)

    facilitator.goto(staff.path)
    expect(flows.progress_count(facilitator, "Submitted")).to_have_text("2")
    facilitator.goto(children.path)
    expect(flows.progress_count(facilitator, "Submitted")).to_have_text("1")
    _reveal_and_agree(facilitator, staff)
    _lead_compares_and_downloads(contexts.page(device))


def test_the_respondent_pages_work_without_javascript(
    contexts: Contexts, open_sessions: OpenSessions
) -> None:
    flows.child_flow(contexts.page("tablet", javascript=False), open_sessions.child_code)
    flows.staff_flow(contexts.page("phone", javascript=False), open_sessions.staff_code)
