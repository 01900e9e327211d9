"""The live room and its Close page count the answers waiting on tablets that lost the connection, and
Close offers to lock and wait for them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.choices import SessionState
from tests.app.routes.pages.focus_groups import room, session_row
from tests.factories import World, browse_as
from tests.pages import find_form, get_page, submit, text_of

pytestmark = pytest.mark.database


def tablet_reports(client: TestClient, world: World, waiting: int) -> None:
    """A tablet joins by the API and says, with an answer, that it still holds `waiting` more."""
    client.cookies.clear()
    joined = client.post("/api/join", json={"code": world.session_a_code}).json()
    response = client.put(
        "/api/responses",
        json={"answers": [{"item": "orange.practitioner.1", "rating": 4}]},
        headers={
            "Authorization": f"Bearer {joined['token']}",
            "Idempotency-Key": "k1",
            "Join-Pass": joined["offline_pass"],
            "Outbox-Waiting": str(waiting),
        },
    )
    assert response.status_code == 200, response.text
    client.cookies.clear()


def test_the_room_shows_the_answers_waiting_on_tablets(client: TestClient, world: World) -> None:
    tablet_reports(client, world, 4)
    browse_as(client, world.users["facilitator_a"])
    assert "4 answers waiting on tablets" in text_of(get_page(client, room(world)))


def test_the_room_says_nothing_of_tablets_when_none_wait(client: TestClient, world: World) -> None:
    tablet_reports(client, world, 0)
    browse_as(client, world.users["facilitator_a"])
    assert "waiting on tablets" not in text_of(get_page(client, room(world)))


def test_close_warns_of_queued_answers_and_locks_to_wait_for_them(client: TestClient, world: World) -> None:
    tablet_reports(client, world, 2)
    browse_as(client, world.users["facilitator_a"])
    confirm = get_page(client, f"{room(world)}/close")
    assert "Tablets still hold 2 answers they have not sent yet" in text_of(confirm)
    assert "Close anyway" in text_of(confirm)
    submit(client, find_form(confirm, f"{room(world)}/state", state="locked"))
    assert session_row(client, world.session_a).state == SessionState.LOCKED


def test_close_does_not_warn_when_no_tablet_holds_answers(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    confirm = get_page(client, f"{room(world)}/close")
    assert "Tablets still hold" not in text_of(confirm)


def test_close_of_a_locked_session_says_to_wait_for_the_tablets(client: TestClient, world: World) -> None:
    tablet_reports(client, world, 5)
    headers = browse_as(client, world.users["facilitator_a"])
    client.post(f"{room(world)}/state", data={"state": "locked"}, headers=headers)
    confirm = get_page(client, f"{room(world)}/close")
    assert "The session is locked" in text_of(confirm)
    assert confirm.select_one("form input[name=state][value=locked]") is None
