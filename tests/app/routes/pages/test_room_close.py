"""True presence in the room, and asking before closing: people counted once however often they join,
answering only while seen lately and not finished, left without submitting when they hand on; Close warns
about exactly those still answering and offers to lock and wait, with a live count; a tablet whose session
closed says what was kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app.choices import SessionState
from app.db.columns import utcnow
from app.db.engine import write_session
from app.db.tables import Participant
from app.routes.pages.room import active_for
from tests.app.routes.pages.focus_groups import progress_counts, room, session_row
from tests.factories import World, app_state, browse_as
from tests.pages import find_form, get_page, location, parse, submit, text_of

pytestmark = pytest.mark.database

HX = {"HX-Request": "true"}


@pytest.fixture
def tablets(client: TestClient) -> Iterator[list[TestClient]]:
    """Three more browsers on the same app: tablets handed round the group."""
    devices = [TestClient(client.app) for _ in range(3)]
    yield devices
    for device in devices:
        device.close()


def _join(device: TestClient, code: str) -> None:
    response = submit(device, find_form(get_page(device, "/join"), "/join"), code=code)
    assert location(response) == "/respond", response.text


def _answer_page_one(device: TestClient, rating: str = "4") -> None:
    code = app_state(device).surveys.items("orange", "practitioner")[0].code
    form = find_form(get_page(device, "/respond/questions/1"), "/respond/questions/1")
    assert submit(device, form, **{f"rating-{code}": rating}).status_code == 303


def _counts(client: TestClient, world: World) -> dict[str, str]:
    return progress_counts(parse(client.get(room(world), headers=HX)))


def test_joining_again_from_the_same_browser_counts_one_person(
    client: TestClient, world: World, tablets: list[TestClient]
) -> None:
    for _ in range(3):
        _join(tablets[0], world.session_a_code)
    browse_as(client, world.users["facilitator_a"])

    assert _counts(client, world)["Joined"] == "1"


def test_someone_on_page_one_without_an_answer_is_answering(
    client: TestClient, world: World, tablets: list[TestClient]
) -> None:
    _join(tablets[0], world.session_a_code)
    get_page(tablets[0], "/respond/questions/1")
    browse_as(client, world.users["facilitator_a"])

    assert _counts(client, world) == {
        "Joined": "1",
        "Answering": "1",
        "Submitted": "0",
        "Left without submitting": "0",
    }


def test_handing_on_half_way_is_left_without_submitting_not_answering(
    client: TestClient, world: World, tablets: list[TestClient]
) -> None:
    _join(tablets[0], world.session_a_code)
    _answer_page_one(tablets[0])
    submit(tablets[0], find_form(get_page(tablets[0], "/respond/questions/1"), "/respond/finish"))
    _join(tablets[0], world.session_a_code)  # the next person on the same tablet
    browse_as(client, world.users["facilitator_a"])

    assert _counts(client, world) == {
        "Joined": "2",
        "Answering": "1",
        "Submitted": "0",
        "Left without submitting": "1",
    }


def test_someone_not_seen_for_the_active_time_is_not_answering(
    client: TestClient, world: World, tablets: list[TestClient]
) -> None:
    _join(tablets[0], world.session_a_code)
    active = app_state(client).settings.active_seconds
    with write_session(app_state(client).engine) as db:
        db.execute(update(Participant).values(last_seen_at=utcnow() - timedelta(seconds=active + 1)))
    browse_as(client, world.users["facilitator_a"])

    counts = _counts(client, world)

    assert (counts["Answering"], counts["Not seen lately"]) == ("0", "1")


def test_close_warns_about_those_answering_and_offers_to_lock_and_wait(
    client: TestClient, world: World, tablets: list[TestClient]
) -> None:
    _join(tablets[0], world.session_a_code)
    _answer_page_one(tablets[0])
    browse_as(client, world.users["facilitator_a"])

    confirm = get_page(client, f"{room(world)}/close")

    assert "1 person is still answering" in text_of(confirm.select_one(".close-warning"))
    lock = find_form(confirm, f"{room(world)}/state", state="locked")
    assert location(submit(client, lock)) == f"{room(world)}/close"
    assert session_row(client, world.session_a).state == SessionState.LOCKED
    waiting = client.get(f"{room(world)}/close", headers=HX)
    assert "<h1" not in waiting.text and "<html" not in waiting.text
    assert progress_counts(parse(waiting))["Answering"] == "1"


def test_close_says_no_one_is_answering_once_they_have_submitted(
    client: TestClient, world: World, tablets: list[TestClient]
) -> None:
    _join(tablets[0], world.session_a_code)
    _answer_page_one(tablets[0])
    with write_session(app_state(client).engine) as db:
        db.execute(update(Participant).values(submitted_at=utcnow()))
    browse_as(client, world.users["facilitator_a"])

    confirm = get_page(client, f"{room(world)}/close")

    assert confirm.select_one(".close-warning") is None
    assert "No one is answering now" in text_of(confirm.select_one(".close-clear"))


def test_a_tablet_whose_session_closed_says_what_was_kept_and_what_was_not(
    client: TestClient, world: World, tablets: list[TestClient]
) -> None:
    _join(tablets[0], world.session_a_code)
    _answer_page_one(tablets[0])
    page_two = find_form(get_page(tablets[0], "/respond/questions/2"), "/respond/questions/2")
    headers = browse_as(client, world.users["facilitator_a"])
    client.post(f"{room(world)}/state", data={"state": "closed", "confirm": "yes"}, headers=headers)

    code = app_state(client).surveys.items("green", "practitioner")[0].code
    late = submit(tablets[0], page_two, **{f"rating-{code}": "2"})

    soup = parse(late)
    assert text_of(soup.h1) == "This session has finished"
    assert "Your 1 answer was saved before it finished" in text_of(soup.select_one(".finished-kept"))
    assert "were not saved" in text_of(soup.select_one(".finished-lost"))


def test_the_active_time_is_said_in_words() -> None:
    assert (active_for(120), active_for(60), active_for(90)) == ("2 minutes", "1 minute", "90 seconds")
