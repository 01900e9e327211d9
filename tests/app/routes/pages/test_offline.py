"""What a tablet keeps for offline (app.routes.pages.offline): the service worker and the manifest, the blank
questionnaire copies asked for with a join pass (cacheable, with no one's answers), and a hand-on from the
outbox that keeps the tablet's storage."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from app.services import offline
from app.web.auth import PARTICIPANT_COOKIE
from tests.app.routes.pages.respondents import chosen_button, joined, open_child_session, staff_headers
from tests.factories import World, app_state, browse_as
from tests.pages import find_form, get_page, parse, submit

pytestmark = pytest.mark.database


def join_pass(client: TestClient, session_id: int) -> str:
    return offline.issue_pass(app_state(client).runtime, session_id=session_id).value


def test_the_service_worker_is_served_from_the_root_with_the_shell_to_keep(client: TestClient) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    first_line, _, code = response.text.partition("\n")
    shell = json.loads(first_line.removeprefix("self.RAINBOW_PRECACHE = ").rstrip(";"))
    urls = {entry["url"] for entry in shell}
    assert {"/static/css/respond.css", "/static/vendor/htmx.min.js", "/static/img/face-1.svg"} <= urls
    assert all(len(e["revision"]) == 16 for e in shell if e["url"].startswith("/static/"))
    assert "https://" not in code and "/static/vendor/workbox-precaching.prod.js" in code


def test_the_manifest_starts_tablets_at_the_join_page(client: TestClient) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert (manifest["start_url"], manifest["display"]) == ("/join", "standalone")


def test_a_page_asked_for_with_the_join_pass_is_a_blank_cacheable_copy(
    client: TestClient, world: World
) -> None:
    session_id, code = open_child_session(client, world, arcs=("orange",))
    joined(client, code)
    first = find_form(get_page(client, "/respond/questions/1"), "/respond/questions/1")
    submit(client, first, rating="4")
    assert chosen_button(get_page(client, "/respond/questions/1")) == "4"

    copy = client.get("/respond/questions/1", headers={"Join-Pass": join_pass(client, session_id)})
    assert copy.status_code == 200
    assert copy.headers["Cache-Control"] == "private, no-cache"
    assert "Join-Pass" in copy.headers["Vary"]
    assert chosen_button(parse(copy)) is None  # nobody's answer in it
    assert parse(copy).select_one("[data-offline-copy]") is not None


def test_the_same_page_without_a_pass_is_never_stored(client: TestClient, world: World) -> None:
    _, code = open_child_session(client, world, arcs=("orange",))
    joined(client, code)
    assert client.get("/respond/questions/1").headers["Cache-Control"] == "no-store"


def test_a_forged_pass_gets_no_copy(client: TestClient, world: World) -> None:
    session_id, _ = open_child_session(client, world, arcs=("orange",))
    forged = join_pass(client, session_id)[:-4] + "AAAA"
    response = client.get("/respond/review", headers={"Join-Pass": forged}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/join"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_closed_session_s_pass_gets_no_copy(client: TestClient, world: World) -> None:
    session_id, _ = open_child_session(client, world, arcs=("orange",))
    pass_value = join_pass(client, session_id)
    client.post(f"/api/sessions/{session_id}/state", json={"state": "closed"}, headers=staff_headers(world))
    response = client.get("/respond", headers={"Join-Pass": pass_value}, follow_redirects=False)
    assert response.status_code == 303


def test_staff_pages_are_never_cacheable_even_with_a_pass(client: TestClient, world: World) -> None:
    session_id, _ = open_child_session(client, world, arcs=("orange",))
    browse_as(client, world.users["facilitator_a"])
    response = client.get("/facilitate", headers={"Join-Pass": join_pass(client, session_id)})
    assert response.headers["Cache-Control"] == "no-store"


def test_a_hand_on_from_the_outbox_forgets_the_person_and_keeps_the_tablet_s_storage(
    client: TestClient, world: World
) -> None:
    _, code = open_child_session(client, world, arcs=("orange",))
    joined(client, code)
    token = client.cookies[PARTICIPANT_COOKIE]
    response = client.post(
        "/respond/finish",
        headers={"Authorization": f"Bearer {token}", "Outbox": "keep"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "Clear-Site-Data" not in response.headers
    assert PARTICIPANT_COOKIE not in client.cookies


def test_a_hand_on_without_the_outbox_clears_the_site_data(client: TestClient, world: World) -> None:
    _, code = open_child_session(client, world, arcs=("orange",))
    joined(client, code)
    form = find_form(get_page(client, "/respond"), "/respond/finish")
    response = submit(client, form)
    assert '"storage"' in response.headers["Clear-Site-Data"]
