"""The respondent's first pages, used as a browser would: what we ask and how answers stay anonymous, then the
optional profile."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.routes.pages.respond import PrivacyPage, ProfilePage
from tests.app.routes.pages.respondents import (
    DONT_KNOW,
    joined,
    open_child_session,
    participant,
    statement_count,
)
from tests.factories import World
from tests.pages import find_form, form_data, get_page, location, parse, rendered_with, submit, text_of

pytestmark = pytest.mark.database


@pytest.mark.parametrize(
    "path",
    ["/respond", "/respond/about-you", "/respond/questions/1", "/respond/review", "/respond/thanks"],
)
def test_respondent_pages_without_a_participant_cookie_go_to_join(client: TestClient, path: str) -> None:
    assert location(client.get(path, follow_redirects=False)) == "/join"


def test_a_child_first_sees_in_child_words_that_no_one_will_know_and_they_can_skip_or_stop(
    client: TestClient, world: World
) -> None:
    _, code = open_child_session(client, world)
    joined(client, code)

    soup = get_page(client, "/respond")

    words = text_of(soup.select_one("main"))
    assert "No one will know which answers are yours" in words
    assert "We never ask your name" in words
    assert "skip" in words and "I " + DONT_KNOW.lower() in words
    assert "stop at any time" in words
    assert f"There are {statement_count(client, 'child', ('orange', 'green'))} sentences" in words
    assert soup.select_one('main a.button[href="/respond/about-you"]').get_text(strip=True) == "Start"


def test_staff_first_see_that_answers_are_anonymous_and_only_reported_for_groups_of_five(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)

    words = text_of(get_page(client, "/respond").select_one("main"))

    assert "We do not ask for your name or email address" in words
    assert "groups of 5 or more" in words
    assert "Start" in words


def test_a_child_may_give_an_age_band_and_that_a_grown_up_helped(client: TestClient, world: World) -> None:
    _, code = open_child_session(client, world)
    joined(client, code)
    soup = get_page(client, "/respond/about-you")
    form = find_form(soup, "/respond/about-you")
    assert form.select('input[name="sector"]') == [] and form.select('input[name="role_level"]') == []

    response = submit(client, form, age_band="8-10", assisted="yes")

    assert location(response) == "/respond/questions/1"
    saved = participant(client)
    assert (saved.age_band, saved.assisted, saved.sector) == ("8-10", True, None)
    again = find_form(get_page(client, "/respond/about-you"), "/respond/about-you")
    assert again.select_one('input[name="age_band"][checked]')["value"] == "8-10"


def test_staff_may_give_sector_and_role_level_or_skip_them(client: TestClient, world: World) -> None:
    joined(client, world.session_a_code)
    soup = get_page(client, "/respond/about-you")
    form = find_form(soup, "/respond/about-you")
    assert form.select('input[name="age_band"]') == []
    assert soup.select_one('main a[href="/respond/questions/1"]').get_text(strip=True) == "Skip"

    response = submit(client, form, sector="health", role_level="manager")

    assert location(response) == "/respond/questions/1"
    saved = participant(client)
    assert (saved.sector, saved.role_level, saved.age_band) == ("health", "manager", None)


def test_a_profile_value_not_offered_is_refused_with_422_and_nothing_saved(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    form = find_form(get_page(client, "/respond/about-you"), "/respond/about-you")

    response = submit(client, form, sector="astronauts")

    assert response.status_code == 422
    assert "sector" in text_of(parse(response).select_one(".error-summary"))
    assert participant(client).sector is None


def test_the_first_pages_get_exactly_their_page_contexts(client: TestClient, world: World) -> None:
    joined(client, world.session_a_code)
    privacy = rendered_with(client.get("/respond"), "respond/privacy.html", PrivacyPage)
    assert privacy["min_group"] == 5 and privacy["me"].session_id == world.session_a
    profile = rendered_with(client.get("/respond/about-you"), "respond/profile.html", ProfilePage)
    assert profile["chosen"]["sector"] is None and profile["form_key"]


def test_a_refused_profile_keeps_what_was_chosen(client: TestClient, world: World) -> None:
    joined(client, world.session_a_code)
    form = find_form(get_page(client, "/respond/about-you"), "/respond/about-you")

    response = submit(client, form, sector="health", role_level="astronaut")

    assert response.status_code == 422
    context = rendered_with(response, "respond/profile.html", ProfilePage)
    assert context["chosen"]["sector"] == "health"
    assert context["errors"] == {
        "role_level": "Choose one of the role level options shown, or leave it blank."
    }
    assert parse(response).select_one('input[name="sector"][value="health"]').has_attr("checked")


def test_only_what_a_viewpoint_is_asked_about_is_kept(client: TestClient, world: World) -> None:
    joined(client, world.session_a_code)
    form = find_form(get_page(client, "/respond/about-you"), "/respond/about-you")
    data = {**{name: values[0] for name, values in form_data(form).items()}, "age_band": "8-10"}

    response = client.post("/respond/about-you", data={**data, "sector": "health"}, follow_redirects=False)

    assert location(response) == "/respond/questions/1"
    saved = participant(client)
    assert (saved.sector, saved.age_band) == ("health", None)
