"""A tablet left untouched: a minute before it goes back to the start, a warning offers more time."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import flows
from tests.browser.conftest import Contexts, OpenSessions

pytestmark = pytest.mark.browser
IDLE_MS = 600_000  # RAINBOW_RESPONDENT_IDLE_SECONDS, the default
WARNING_MS = 60_000


def test_the_idle_warning_offers_more_time_then_the_page_hands_the_tablet_on(
    contexts: Contexts, open_sessions: OpenSessions
) -> None:
    page = contexts.page("tablet")
    page.clock.install()
    flows.join(page, open_sessions.staff_code)
    warning = page.get_by_role("alertdialog", name="Are you still there?")
    expect(warning).to_be_hidden()
    page.clock.run_for(IDLE_MS - WARNING_MS + 1_000)
    expect(warning).to_be_visible()
    expect(page.get_by_role("button", name="I'm still here")).to_be_focused()
    page.get_by_role("button", name="I'm still here").click()
    expect(warning).to_be_hidden()
    page.clock.run_for(IDLE_MS - WARNING_MS - 5_000)
    expect(page).to_have_url(flows.path_is("/respond"))  # more time was given: still here
    page.clock.run_for(WARNING_MS + 10_000)
    expect(page).to_have_url(flows.path_is("/join"))
