"""Joining a session by its code, and handing a shared tablet on (by the button or by leaving it idle)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.routes.pages.join import JoinPage
from app.web.auth import PARTICIPANT_COOKIE
from tests.app.routes.pages.respondents import (
    join,
    joined,
    open_child_session,
    saved_answers,
    send_answers,
    staff_headers,
)
from tests.factories import World, app_state
from tests.pages import find_form, get_page, location, parse, rendered_with, submit, text_of

pytestmark = pytest.mark.database


def test_the_join_page_has_one_big_code_field_that_a_qr_code_can_fill_in(client: TestClient) -> None:
    soup = get_page(client, "/join?code=abcdefg")

    form = find_form(soup, "/join")
    field = form.select_one("input#field-code")
    assert field is not None and field["name"] == "code" and field["value"] == "ABCDEFG"
    label = soup.select_one('label[for="field-code"]')
    assert label is not None and text_of(label) == "Code on the screen"
    assert (field["autocomplete"], field["autocapitalize"], field["spellcheck"]) == (
        "off",
        "characters",
        "false",
    )
    assert [b.get_text(strip=True) for b in form.select("button")] == ["Join"]
    assert len(form.select("input:not([type=hidden])")) == 1


def test_joining_with_the_code_in_small_letters_and_spaces_sets_the_participant_cookie(
    client: TestClient, world: World
) -> None:
    response = join(client, "  abc defg ")

    assert location(response) == "/respond"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(PARTICIPANT_COOKIE))
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert client.get("/respond", follow_redirects=False).status_code == 200


def test_a_wrong_code_shows_the_form_again_with_the_message_and_404(client: TestClient, world: World) -> None:
    response = join(client, "ZZZZZZZ")

    assert response.status_code == 404
    soup = parse(response)
    assert "No session has that code" in text_of(soup.select_one("#error-code"))
    field = soup.select_one("#field-code")
    assert field is not None and field["value"] == "ZZZZZZZ" and field["aria-invalid"] == "true"
    assert PARTICIPANT_COOKIE not in client.cookies


def test_an_empty_code_asks_for_the_code_with_422(client: TestClient, world: World) -> None:
    response = join(client, "   ")

    assert response.status_code == 422
    assert "Enter the code on the screen" in text_of(parse(response).select_one("#error-code"))


def test_a_locked_session_shows_the_form_again_with_its_message_and_409(
    client: TestClient, world: World
) -> None:
    locked = client.post(
        f"/api/sessions/{world.session_a}/state", json={"state": "locked"}, headers=staff_headers(world)
    )
    assert locked.status_code == 200

    response = join(client, world.session_a_code)

    assert response.status_code == 409
    assert "not taking anyone new" in text_of(parse(response).select_one("#error-code"))
    assert PARTICIPANT_COOKIE not in client.cookies


def test_too_many_wrong_codes_show_the_form_with_429_and_retry_after(migrated: Any, world: World) -> None:
    settings = migrated.model_copy(update={"join_failure_limit": 2})
    with TestClient(create_app(settings)) as throttled:
        throttled.get("/join")
        form = find_form(get_page(throttled, "/join"), "/join")
        statuses = [submit(throttled, form, code="ZZZZZZZ").status_code for _ in range(2)]
        response = submit(throttled, form, code=world.session_a_code)

    assert statuses[0] == 404
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "Too many wrong codes" in text_of(parse(response).select_one("#error-code"))


def test_finish_and_hand_on_forgets_the_participant_clears_site_data_and_starts_the_session_again(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    send_answers(client)
    thanks = get_page(client, "/respond/thanks")
    assert [text_of(b) for b in find_form(thanks, "/respond/finish").select("button")] == [
        "Finish and hand on"
    ]

    response = submit(client, find_form(thanks, "/respond/finish"))

    assert location(response) == f"/join?code={world.session_a_code}"
    assert response.headers["clear-site-data"] == '"cache", "cookies", "storage"'
    assert PARTICIPANT_COOKIE not in client.cookies
    assert location(client.get("/respond/questions/1", follow_redirects=False)) == "/join"
    field = get_page(client, location(response)).select_one("#field-code")
    assert field is not None and field["value"] == world.session_a_code


def test_every_respondent_page_offers_finish_and_returns_to_the_start_when_idle(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    send_answers(client)
    idle = app_state(client).settings.respondent_idle_seconds
    for path in [
        "/respond",
        "/respond/about-you",
        "/respond/questions/1",
        "/respond/review",
        "/respond/thanks",
    ]:
        soup = get_page(client, path)
        # Without JavaScript the page refreshes to the start; with it, respond.js warns first (same time).
        refresh = soup.select_one('head noscript meta[http-equiv="refresh"]')
        assert refresh is not None and refresh["content"] == f"{idle};url=/respond/idle", path
        assert soup.select_one('meta[name="respondent-idle-seconds"]')["content"] == str(idle), path
        assert soup.select_one("#idle-warning[hidden][role=alertdialog]") is not None, path
        assert soup.select_one('header form[action="/respond/finish"]') is not None, path


def test_the_idle_page_forgets_the_participant_but_keeps_their_answers(
    client: TestClient, world: World
) -> None:
    joined(client, world.session_a_code)
    code = app_state(client).surveys.items("orange", "practitioner")[0].code
    form = find_form(get_page(client, "/respond/questions/1"), "/respond/questions/1")
    location(submit(client, form, **{f"rating-{code}": "4"}))

    response = client.get("/respond/idle", follow_redirects=False)

    assert location(response) == f"/join?code={world.session_a_code}"
    assert response.headers["clear-site-data"] == '"cache", "cookies", "storage"'
    assert PARTICIPANT_COOKIE not in client.cookies
    assert location(client.get("/respond", follow_redirects=False)) == "/join"
    assert saved_answers(client) == {code: ("rating", 4, None)}


def test_the_join_page_gets_exactly_its_page_context(client: TestClient, world: World) -> None:
    context = rendered_with(client.get("/join?code= abcdefg "), "respond/join.html", JoinPage)
    assert (context["code"], context["error"]) == ("ABCDEFG", None)
    refused = rendered_with(join(client, "NOPE"), "respond/join.html", JoinPage)
    assert refused["code"] == "NOPE" and refused["error"]


def test_a_closed_sessions_code_says_the_session_has_finished(client: TestClient, world: World) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['lead_a']}"}
    client.post(f"/api/sessions/{world.session_a}/state", json={"state": "closed"}, headers=headers)

    response = submit(client, find_form(get_page(client, "/join"), "/join"), code=world.session_a_code)

    assert response.status_code == 409
    assert "This session has finished" in text_of(parse(response).select_one("#error-code"))


def test_a_locked_childrens_session_sends_them_to_the_grown_up_running_the_group(
    client: TestClient, world: World
) -> None:
    session_id, code = open_child_session(client, world, arcs=("orange",))
    headers = {"Authorization": f"Bearer {world.tokens['lead_a']}"}
    client.post(f"/api/sessions/{session_id}/state", json={"state": "locked"}, headers=headers)

    response = submit(client, find_form(get_page(client, "/join"), "/join"), code=code)

    assert "Ask the grown-up running the group" in text_of(parse(response).select_one("#error-code"))
