"""The sign-in page: its context and where it goes next. Signing in and out through its form is tested with
the trust pages it leads to (test_trust.py); sessions themselves in tests/app/test_auth.py."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.routes.pages.auth import LoginPage, safe_next
from tests.factories import PASSWORD, World, browse_as
from tests.pages import find_form, get_page, location, rendered_with, submit, text_of

pytestmark = pytest.mark.database


@pytest.mark.parametrize(
    "target",
    ["", None, "https://evil.example/", "//evil.example/x", "trust", "/\\evil.example", "javascript:x"],
)
def test_only_a_path_on_this_site_is_followed_after_signing_in(target: str | None) -> None:
    assert safe_next(target, default="/trust") == "/trust"


def test_a_path_on_this_site_is_followed() -> None:
    assert safe_next("/trust/rounds/3?baseline=none", default="/trust") == "/trust/rounds/3?baseline=none"


def test_the_sign_in_page_gets_exactly_its_page_context(client: TestClient) -> None:
    context = rendered_with(client.get("/login?next=/admin"), "auth/login.html", LoginPage)
    assert context["next"] == "/admin"
    assert context["message"] is None


def test_signing_in_goes_on_to_the_page_asked_for(client: TestClient, world: World) -> None:
    form = find_form(get_page(client, f"/login?next=/trust/{world.trust_a}"), "/login")
    response = submit(client, form, email=world.emails["lead_a"], password=PASSWORD)
    assert location(response) == f"/trust/{world.trust_a}"


def test_signing_in_goes_to_the_trusts_when_no_page_was_asked_for(client: TestClient, world: World) -> None:
    form = find_form(get_page(client, "/login?next=https://evil.example/"), "/login")
    response = submit(client, form, email=world.emails["lead_a"], password=PASSWORD)
    assert location(response) == "/trust"


def test_signed_in_staff_go_straight_on_from_the_sign_in_page(client: TestClient, world: World) -> None:
    browse_as(client, world.users["viewer_a"])
    assert location(client.get("/login?next=/facilitate", follow_redirects=False)) == "/facilitate"


def test_a_facilitator_lands_on_focus_groups_after_signing_in(client: TestClient, world: World) -> None:
    form = find_form(get_page(client, "/login"), "/login")

    response = submit(client, form, email=world.emails["facilitator_a"], password=PASSWORD)

    assert location(response) == "/facilitate"


def test_a_lead_lands_on_their_trusts_after_signing_in(client: TestClient, world: World) -> None:
    form = find_form(get_page(client, "/login"), "/login")

    response = submit(client, form, email=world.emails["lead_a"], password=PASSWORD)

    assert location(response) == "/trust"


def test_the_home_and_sign_in_pages_lead_people_answering_to_join(client: TestClient) -> None:
    for path in ("/", "/login"):
        link = get_page(client, path).select_one('main a[href="/join"]')
        assert link is not None and text_of(link) == "Answer a questionnaire", path
