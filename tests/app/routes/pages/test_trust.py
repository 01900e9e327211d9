"""The trust staff pages, used as a browser would: read each page's form, fill it in, submit it.

Signing in and out, a trust's rounds, starting a round, deleting one after typing its name, and who may
see or do each of these.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select

from app.db.engine import read_session
from app.db.tables import Round
from app.routes.pages.trust import DeleteRoundPage, TrustPage, TrustsPage
from app.web.auth import SESSION_COOKIE
from tests.factories import PASSWORD, World, app_state, browse_as
from tests.pages import field_error, find_form, get_page, location, parse, rendered_with, submit, text_of

pytestmark = pytest.mark.database

FAILED_SIGN_IN = "That email address and password do not match an account that can sign in."


# --- helpers ---------------------------------------------------------------------------------------------


def sign_in(client: TestClient, email: str, password: str, path: str = "/login") -> Response:
    """Open the sign-in page at `path` and submit its form."""
    return submit(client, find_form(get_page(client, path), "/login"), email=email, password=password)


def round_names_in_db(client: TestClient, trust_id: int) -> list[str]:
    with read_session(app_state(client).engine) as db:
        return list(db.scalars(select(Round.name).where(Round.trust_id == trust_id).order_by(Round.id)))


def round_count(client: TestClient) -> int:
    with read_session(app_state(client).engine) as db:
        return int(db.scalar(select(func.count()).select_from(Round)) or 0)


def listed_rounds(soup: BeautifulSoup) -> dict[str, str]:
    """The rounds in a trust page's table: name -> link."""
    return {a.get_text(strip=True): str(a["href"]) for a in soup.select("table.data-table tbody th a")}


def facts(soup: BeautifulSoup) -> dict[str, str]:
    dl = soup.select_one("dl.facts")
    assert dl is not None
    return {dt.get_text(strip=True): text_of(dt.find_next_sibling("dd")) for dt in dl.select("dt")}


# --- signing in ------------------------------------------------------------------------------------------


def test_signing_in_through_the_login_form_takes_a_lead_to_their_trust_page(
    client: TestClient, world: World
) -> None:
    response = sign_in(client, world.emails["lead_a"], PASSWORD)

    assert location(response) == "/trust"
    landed = client.get("/trust")
    assert landed.url.path == f"/trust/{world.trust_a}"
    soup = parse(landed)
    assert soup.h1 is not None and soup.h1.get_text(strip=True) == "Trust A"
    assert world.emails["lead_a"] in text_of(soup.select_one("p.muted"))
    assert world.round_a_name in listed_rounds(soup)


def test_a_wrong_password_shows_the_form_again_with_an_error_and_401(
    client: TestClient, world: World
) -> None:
    response = sign_in(client, world.emails["lead_a"], "not the password at all")

    assert response.status_code == 401
    soup = parse(response)
    assert text_of(soup.select_one(".error-summary")) == FAILED_SIGN_IN
    form = find_form(soup, "/login")
    assert form.select_one("#field-email")["value"] == world.emails["lead_a"]
    assert form.select_one("#field-password").get("value", "") == ""
    assert SESSION_COOKIE not in response.cookies
    assert client.get(f"/trust/{world.trust_a}", follow_redirects=False).status_code == 303


def test_an_unknown_email_gets_the_same_message_as_a_wrong_password(client: TestClient, world: World) -> None:
    response = sign_in(client, "nobody@example.org", PASSWORD)

    assert response.status_code == 401
    soup = parse(response)
    assert text_of(soup.select_one(".error-summary")) == FAILED_SIGN_IN
    assert find_form(soup, "/login").select_one("#field-email")["value"] == "nobody@example.org"
    assert SESSION_COOKIE not in response.cookies


@pytest.mark.parametrize("path", ["trust", "round"])
def test_an_anonymous_visitor_is_sent_to_sign_in_and_then_lands_on_the_page_they_asked_for(
    client: TestClient, world: World, path: str
) -> None:
    wanted = f"/trust/{world.trust_a}" if path == "trust" else f"/trust/rounds/{world.round_a}"

    redirect = client.get(wanted, follow_redirects=False)
    assert location(redirect) == f"/login?next={quote(wanted)}"

    response = sign_in(client, world.emails["lead_a"], PASSWORD, path=location(redirect))
    assert location(response) == wanted
    landed = client.get(wanted, follow_redirects=False)
    assert landed.status_code == 200
    assert parse(landed).h1.get_text(strip=True) == ("Trust A" if path == "trust" else world.round_a_name)


def test_signing_out_with_the_header_form_ends_the_session_on_the_server(
    client: TestClient, world: World
) -> None:
    assert location(sign_in(client, world.emails["lead_a"], PASSWORD)) == "/trust"
    old_cookie = client.cookies.get(SESSION_COOKIE)
    assert old_cookie
    soup = get_page(client, f"/trust/{world.trust_a}")

    response = submit(client, find_form(soup.select_one("header.site-header"), "/logout"))

    assert location(response) == "/login?signed_out=1"
    assert "You have signed out." in text_of(get_page(client, "/login?signed_out=1"))
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, old_cookie)
    again = client.get(f"/trust/{world.trust_a}", follow_redirects=False)
    assert location(again) == f"/login?next=/trust/{world.trust_a}"


# --- starting a round ------------------------------------------------------------------------------------


def test_a_lead_starts_a_round_and_sees_its_name_framework_version_and_period(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["lead_a"])
    form = find_form(get_page(client, f"/trust/{world.trust_a}"), f"/trust/{world.trust_a}/rounds")

    response = submit(
        client, form, name="2010 re-assessment", period_start="2010-04-01", period_end="2011-03-31"
    )

    with read_session(app_state(client).engine) as db:
        created = db.scalar(select(Round).where(Round.name == "2010 re-assessment"))
    assert created is not None and created.trust_id == world.trust_a
    assert location(response) == f"/trust/rounds/{created.id}"
    soup = get_page(client, f"/trust/rounds/{created.id}")
    assert soup.h1.get_text(strip=True) == "2010 re-assessment"
    shown = facts(soup)
    assert shown["Trust"] == "Trust A"
    assert shown["Period"] == "1 April 2010 to 31 March 2011"
    version = app_state(client).framework.version
    assert shown["Framework"].endswith(f"version {version}")
    assert created.framework_version == version

    listed = listed_rounds(get_page(client, f"/trust/{world.trust_a}"))
    assert listed["2010 re-assessment"] == f"/trust/rounds/{created.id}"
    assert world.round_a_name in listed


@pytest.mark.parametrize(
    ("name", "period_start", "period_end", "field", "message"),
    [
        pytest.param("", "", "", "name", "Enter the name of the round.", id="empty-name"),
        pytest.param("   ", "2010-04-01", "", "name", "Enter the name of the round.", id="blank-name"),
        pytest.param(
            "2010 re-assessment",
            "2010-04-01",
            "2010-03-31",
            "period_end",
            "before",
            id="end-before-start",
        ),
    ],
)
def test_a_bad_start_a_round_form_is_shown_again_with_the_problem_at_its_field_and_nothing_created(
    client: TestClient,
    world: World,
    name: str,
    period_start: str,
    period_end: str,
    field: str,
    message: str,
) -> None:
    browse_as(client, world.users["lead_a"])
    before = round_count(client)
    form = find_form(get_page(client, f"/trust/{world.trust_a}"), f"/trust/{world.trust_a}/rounds")

    response = submit(client, form, name=name, period_start=period_start, period_end=period_end)

    assert response.status_code == 422
    soup = parse(response)
    assert message in field_error(soup, field)
    again = find_form(soup, f"/trust/{world.trust_a}/rounds")
    assert again.select_one("#field-name")["value"] == name
    assert again.select_one("#field-period_start")["value"] == period_start
    assert again.select_one("#field-period_end")["value"] == period_end
    assert round_count(client) == before


def test_a_round_name_the_trust_already_has_is_refused_with_409_and_nothing_created(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["lead_a"])
    form = find_form(get_page(client, f"/trust/{world.trust_a}"), f"/trust/{world.trust_a}/rounds")

    response = submit(client, form, name=world.round_a_name, period_start="", period_end="")

    assert response.status_code == 409
    soup = parse(response)
    assert field_error(soup, "name") == f"This trust already has a round called {world.round_a_name!r}."
    assert find_form(soup, f"/trust/{world.trust_a}/rounds").select_one("#field-name")["value"] == (
        world.round_a_name
    )
    assert round_names_in_db(client, world.trust_a) == [world.round_a_name]


@pytest.mark.parametrize("role", ["facilitator_a", "viewer_a"])
def test_facilitators_and_viewers_see_the_rounds_but_cannot_start_or_delete_one(
    client: TestClient, world: World, role: str
) -> None:
    csrf = browse_as(client, world.users[role])

    trust_page = get_page(client, f"/trust/{world.trust_a}")
    assert listed_rounds(trust_page) == {world.round_a_name: f"/trust/rounds/{world.round_a}"}
    assert trust_page.select_one(f'form[action="/trust/{world.trust_a}/rounds"]') is None
    assert "Start a round" not in text_of(trust_page)
    round_page = get_page(client, f"/trust/rounds/{world.round_a}")
    assert round_page.select_one(f'a[href="/trust/rounds/{world.round_a}/delete"]') is None

    response = client.post(
        f"/trust/{world.trust_a}/rounds",
        data={"name": "2010 re-assessment"},
        headers=csrf,
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert round_names_in_db(client, world.trust_a) == [world.round_a_name]


# --- deleting a round ------------------------------------------------------------------------------------


def test_the_delete_page_asks_for_the_rounds_name(client: TestClient, world: World) -> None:
    browse_as(client, world.users["lead_a"])
    round_page = get_page(client, f"/trust/rounds/{world.round_a}")
    link = round_page.select_one(f'a[href="/trust/rounds/{world.round_a}/delete"]')
    assert link is not None

    soup = get_page(client, str(link["href"]))

    assert soup.h1.get_text(strip=True) == f"Delete “{world.round_a_name}”?"
    form = find_form(soup, f"/trust/rounds/{world.round_a}/delete")
    label = form.select_one('label[for="field-confirm_name"]')
    assert label is not None and "Type the name of the round" in label.get_text()
    assert form.select_one("#field-confirm_name").get("value", "") == ""


def test_deleting_a_round_with_the_wrong_name_gives_422_and_deletes_nothing(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["lead_a"])
    form = find_form(
        get_page(client, f"/trust/rounds/{world.round_a}/delete"), f"/trust/rounds/{world.round_a}/delete"
    )

    response = submit(client, form, confirm_name="2009 Baseline ")

    assert response.status_code == 422
    soup = parse(response)
    assert field_error(soup, "confirm_name") == (
        f"Type the name of the round exactly as it is shown, {world.round_a_name}, to delete it."
    )
    assert round_names_in_db(client, world.trust_a) == [world.round_a_name]


def test_deleting_a_round_with_its_exact_name_removes_it_everywhere(client: TestClient, world: World) -> None:
    browse_as(client, world.users["lead_a"])
    form = find_form(
        get_page(client, f"/trust/rounds/{world.round_a}/delete"), f"/trust/rounds/{world.round_a}/delete"
    )

    response = submit(client, form, confirm_name=world.round_a_name)

    assert location(response) == f"/trust/{world.trust_a}?deleted=1"
    soup = get_page(client, location(response))
    assert text_of(soup.select_one(".notice")) == (
        "The round and everything recorded under it have been deleted."
    )
    assert listed_rounds(soup) == {}
    assert round_names_in_db(client, world.trust_a) == []
    assert round_names_in_db(client, world.trust_b) == ["2009 baseline"]
    client.cookies.clear()
    api = client.get(
        f"/api/rounds/{world.round_a}", headers={"Authorization": f"Bearer {world.tokens['lead_a']}"}
    )
    assert api.status_code == 404


# --- other trusts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["trust", "round", "delete"])
def test_a_lead_of_another_trust_gets_404_for_its_pages(client: TestClient, world: World, page: str) -> None:
    browse_as(client, world.users["lead_b"])
    path = {
        "trust": f"/trust/{world.trust_a}",
        "round": f"/trust/rounds/{world.round_a}",
        "delete": f"/trust/rounds/{world.round_a}/delete",
    }[page]

    response = client.get(path, follow_redirects=False)

    assert response.status_code == 404
    assert "Trust A" not in response.text
    assert world.round_a_name not in response.text


def test_a_lead_of_another_trust_cannot_delete_its_round(client: TestClient, world: World) -> None:
    csrf = browse_as(client, world.users["lead_b"])

    response = client.post(
        f"/trust/rounds/{world.round_a}/delete",
        data={"confirm_name": world.round_a_name},
        headers=csrf,
        follow_redirects=False,
    )

    assert response.status_code == 404
    assert round_names_in_db(client, world.trust_a) == [world.round_a_name]


# --- what each page's template gets -----------------------------------------------------------------------


def test_each_trust_page_gets_exactly_its_page_context(client: TestClient, world: World) -> None:
    browse_as(client, world.users["admin"])
    rendered_with(client.get("/trust"), "trust/index.html", TrustsPage)
    context = rendered_with(client.get(f"/trust/{world.trust_a}"), "trust/trust.html", TrustPage)
    assert context["role_label"] == "site administrator" and context["can_create_round"]
    page = client.get(f"/trust/rounds/{world.round_a}/delete")
    rendered_with(page, "trust/delete_round.html", DeleteRoundPage)


def test_a_refused_round_form_is_the_trust_page_with_what_was_typed(client: TestClient, world: World) -> None:
    browse_as(client, world.users["lead_a"])
    form = find_form(get_page(client, f"/trust/{world.trust_a}"), f"/trust/{world.trust_a}/rounds")

    response = submit(client, form, name="2010", period_start="2010-02-30", period_end="")

    assert response.status_code == 422
    context = rendered_with(response, "trust/trust.html", TrustPage)
    assert context["form"] == {"name": "2010", "period_start": "2010-02-30", "period_end": ""}
    assert context["errors"] == {
        "period_start": "The start of the period must be a date, such as 2010-04-01."
    }
