"""One's own account in a real browser, on a phone and a tablet: asking for a password reset, changing one's
password, the second factor's set-up page and a lead's invitation form. axe-core finds no serious or critical
violation, and every button is at least 44 px tall."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import flows
from tests.browser.conftest import Axe, Contexts

pytestmark = pytest.mark.browser


def buttons_are_tall_enough(page: Page) -> None:
    heights = page.locator("main button, main .button").evaluate_all(
        "elements => elements.filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44, heights


@pytest.mark.parametrize("device", ["phone", "tablet"])
def test_asking_for_a_reset_link_answers_the_same_and_is_accessible(
    contexts: Contexts, axe: Axe, device: str
) -> None:
    page = contexts.page(device)
    page.goto("/login")
    page.get_by_role("link", name="Forgotten your password?").click()
    axe.check(page)
    buttons_are_tall_enough(page)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.locator(".error-summary")).to_contain_text("Enter the email address you sign in with")
    axe.check(page)
    page.get_by_label("Email address").fill("nobody.at.all@riverside.example.org")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("status")).to_contain_text("If that address belongs to an account")
    axe.check(page)
    assert not axe.found, axe.report()


@pytest.mark.parametrize("device", ["phone", "tablet"])
def test_a_leads_account_pages_are_accessible(contexts: Contexts, axe: Axe, device: str) -> None:
    page = contexts.page(device)
    flows.sign_in(page, flows.LEAD)
    page.get_by_role("link", name="Your account").click()
    expect(page.locator(".qr-small svg")).to_be_visible()
    axe.check(page)
    buttons_are_tall_enough(page)

    page.get_by_role("link", name="Change your password").click()
    page.get_by_label("Your current password").fill("not the current password")
    page.get_by_label("New password", exact=True).fill("plum orchard under moonlight")
    page.get_by_label("The new password again").fill("plum orchard under moonlight")
    page.get_by_role("button", name="Change the password").click()
    expect(page.locator(".error-summary")).to_contain_text("Your current password is not right.")
    axe.check(page)
    buttons_are_tall_enough(page)

    page.goto("/trust")
    page.get_by_role("link", name="Invite a colleague").click()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe.check(page)
    buttons_are_tall_enough(page)
    assert not axe.found, axe.report()
