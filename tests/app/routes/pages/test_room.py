"""The live room, used as a browser would: open, lock and close, watch progress, reveal the room's answers,
record the group's agreed ratings; and who may run it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.choices import Role, SessionState
from app.db.engine import read_session
from app.db.tables import AuditEvent
from app.routes.pages.room import RoomPage, anchor_of, london_time, spaced_code
from app.routes.pages.room_close import ClosePage
from tests.app.routes.pages.focus_groups import (
    answer_by_device,
    distribution,
    progress_counts,
    room,
    session_row,
)
from tests.factories import World, app_state, browse_as, make_user
from tests.pages import find_form, get_page, location, parse, rendered_with, submit, text_of

pytestmark = pytest.mark.database


def test_open_lock_and_close_with_a_confirmation_step(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    state_path = f"{room(world)}/state"

    locked = submit(client, find_form(get_page(client, room(world)), state_path, state="locked"))
    assert location(locked) == room(world)
    assert session_row(client, world.session_a).state == SessionState.LOCKED

    reopened = submit(client, find_form(get_page(client, room(world)), state_path, state="open"))
    assert location(reopened) == room(world)
    assert session_row(client, world.session_a).state == SessionState.OPEN

    close_link = get_page(client, room(world)).select_one(f'a[href="{room(world)}/close"]')
    assert close_link is not None
    confirm = get_page(client, str(close_link["href"]))
    assert "cannot be opened again" in text_of(confirm)
    closed = submit(client, find_form(confirm, state_path, state="closed"))
    assert location(closed) == room(world)
    focus = session_row(client, world.session_a)
    assert (focus.state, focus.join_code) == (SessionState.CLOSED, None)


def test_closing_without_the_confirmation_goes_to_the_confirmation_page(
    client: TestClient, world: World
) -> None:
    headers = browse_as(client, world.users["facilitator_a"])

    response = client.post(
        f"{room(world)}/state", data={"state": "closed"}, headers=headers, follow_redirects=False
    )

    assert location(response) == f"{room(world)}/close"
    assert session_row(client, world.session_a).state == SessionState.OPEN


def test_a_closed_session_cannot_be_reopened_and_says_why_with_409(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    client.post(f"{room(world)}/state", data={"state": "closed", "confirm": "yes"}, headers=headers)

    response = client.post(
        f"{room(world)}/state", data={"state": "open"}, headers=headers, follow_redirects=False
    )

    assert response.status_code == 409
    assert "A session that is closed cannot become open." in text_of(
        parse(response).select_one(".error-summary")
    )
    assert session_row(client, world.session_a).state == SessionState.CLOSED


def test_the_room_shows_the_join_code_spaced_and_links_to_the_screen(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["facilitator_a"])

    soup = get_page(client, room(world))

    assert text_of(soup.select_one(".join-code")) == "ABC DEFG"
    assert soup.select_one(f'a[href="{room(world)}/screen"]') is not None


def test_progress_polling_with_hx_request_returns_only_the_progress_block(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["facilitator_a"])
    answer_by_device(client, world.session_a_code, [{"item": "orange.practitioner.1", "rating": 3}])

    response = client.get(room(world), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "HX-Request" in response.headers["vary"]
    assert "<html" not in response.text and "<h1" not in response.text
    assert progress_counts(parse(response)) == {
        "Joined": "1",
        "Answering": "0",
        "Submitted": "1",
        "Left without submitting": "0",
    }


def test_the_full_room_page_polls_its_own_url_for_progress(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])

    poller = get_page(client, room(world)).select_one("#progress")

    assert (poller["hx-get"], poller["hx-trigger"]) == (room(world), "every 3s")


def test_the_rooms_answers_are_hidden_until_revealed_then_counted(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    for rating in (4, 4, 2, "na", 5, 3):
        answer_by_device(client, world.session_a_code, [{"item": "orange.practitioner.1", "rating": rating}])

    hidden = get_page(client, room(world))
    assert hidden.select("table.distribution") == []
    assert "hidden" in text_of(hidden.select_one("#statements"))

    location(submit(client, find_form(hidden, f"{room(world)}/reveal")))
    shown = get_page(client, room(world))
    counts = distribution(shown, "orange.practitioner.1")
    assert counts == {
        "1 Not at all true": "0",
        "2 A little true": "1",
        "3 Partly true": "1",
        "4 Mostly true": "2",
        "5 Completely true": "1",
        "Don't know": "0",
        "Not applicable": "1",
    }
    assert session_row(client, world.session_a).results_revealed is True

    location(submit(client, find_form(shown, f"{room(world)}/reveal")))
    assert get_page(client, room(world)).select("table.distribution") == []


def test_a_statement_fewer_than_five_answered_stays_suppressed_when_revealed(
    client: TestClient, world: World
) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    for rating in (1, 1, 5, 5):
        answer_by_device(client, world.session_a_code, [{"item": "orange.practitioner.1", "rating": rating}])
    client.post(f"/api/sessions/{world.session_a}/reveal", json={"revealed": True}, headers=headers)

    statement = get_page(client, room(world)).select_one("#item-orange-practitioner-1")
    assert statement.select("table.distribution") == []
    assert "Not shown: too few answers to show. It needs 1 more person rating it." in text_of(statement)
    results = client.get(f"/api/sessions/{world.session_a}/results", headers=headers).json()
    first = next(r for r in results if r["item"] == "orange.practitioner.1")
    assert first == {
        "item": "orange.practitioner.1",
        "suppressed": True,
        "hidden_because": "too few answers to show",
        "more_needed": 1,
        "counts": None,
        "dk": None,
        "na": None,
        "n": None,
        "raters": None,
        "as_revealed_at": None,
    }


def test_a_consensus_saved_through_the_form_is_stored_and_shown(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    soup = get_page(client, room(world))
    form = find_form(soup, f"{room(world)}/consensus", item="orange.practitioner.2")

    response = submit(client, form, rating="4", notes="Everyone cited the shared glossary.")

    assert location(response).endswith("#item-orange-practitioner-2")
    again = get_page(client, location(response).split("#")[0])
    form = find_form(again, f"{room(world)}/consensus", item="orange.practitioner.2")
    assert form.select_one('select[name="rating"] option[selected]')["value"] == "4"
    assert text_of(form.select_one("textarea")) == "Everyone cited the shared glossary."
    assert "Saved" in text_of(form)
    with read_session(app_state(client).engine) as db:
        assert db.scalar(select(AuditEvent.detail).where(AuditEvent.action == "session.consensus")) == (
            "orange.practitioner.2: 4"
        )


def test_a_consensus_saved_by_htmx_returns_only_that_statement(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    form = find_form(get_page(client, room(world)), f"{room(world)}/consensus", item="green.practitioner.1")

    response = submit(client, form, headers={**headers, "HX-Request": "true"}, rating="")

    assert response.status_code == 200
    soup = parse(response)
    articles = soup.select("article")
    assert [a["id"] for a in articles] == ["item-green-practitioner-1"]
    assert "Saved: not agreed" in text_of(articles[0])


def test_a_consensus_for_an_unknown_statement_is_422(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["facilitator_a"])

    response = client.post(
        f"{room(world)}/consensus", data={"item": "red.child.1", "rating": "3"}, headers=headers
    )

    assert response.status_code == 422
    assert "'red.child.1' is not a statement of this session" in text_of(parse(response))


def test_a_consensus_rating_out_of_range_is_shown_at_the_field_with_422(
    client: TestClient, world: World
) -> None:
    headers = browse_as(client, world.users["facilitator_a"])

    response = client.post(
        f"{room(world)}/consensus", data={"item": "orange.practitioner.1", "rating": "9"}, headers=headers
    )

    assert response.status_code == 422
    message = parse(response).select_one("#error-rating-item-orange-practitioner-1")
    assert "Choose an agreed rating from 1 to 5" in text_of(message)


def test_another_facilitator_of_the_trust_gets_404_for_the_room(client: TestClient, world: World) -> None:
    other = make_user(
        app_state(client).engine, "f2@example.org", trust_id=world.trust_a, role=Role.FACILITATOR
    )
    browse_as(client, other)

    assert client.get(room(world)).status_code == 404
    assert client.get(f"{room(world)}/screen").status_code == 404
    assert get_page(client, "/facilitate").select("a.session-link") == []


def test_a_lead_of_the_trust_may_run_a_facilitators_room(client: TestClient, world: World) -> None:
    browse_as(client, world.users["lead_a"])

    assert text_of(get_page(client, room(world)).h1) == "Practitioners, north locality"


def test_a_viewer_gets_403_for_the_room(client: TestClient, world: World) -> None:
    browse_as(client, world.users["viewer_a"])

    assert client.get(room(world)).status_code == 403


def test_a_time_is_shown_as_people_in_england_read_it() -> None:
    assert london_time(datetime(2010, 3, 2, 10, 0, tzinfo=UTC)) == "Tue 2 Mar 2010, 10:00"
    assert london_time(datetime(2010, 6, 15, 9, 30, tzinfo=UTC)) == "Tue 15 Jun 2010, 10:30"
    assert london_time(None) == ""


def test_a_code_is_split_for_reading_and_a_statement_has_an_anchor() -> None:
    assert spaced_code("ABCDEFG") == "ABC DEFG"
    assert anchor_of("orange.child.2") == "item-orange-child-2"


def test_the_room_and_the_close_page_get_exactly_their_page_contexts(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["facilitator_a"])
    context = rendered_with(client.get(room(world)), "facilitate/room.html", RoomPage)
    assert context["spaced_code"] == "ABC DEFG" and context["entry"] is None
    rendered_with(client.get(f"{room(world)}/close"), "facilitate/close.html", ClosePage)


def test_a_refused_agreed_rating_by_htmx_is_that_statement_again_with_what_was_typed(
    client: TestClient, world: World
) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    data = {"item": "orange.practitioner.1", "rating": "x", "notes": "We talked it over."}

    response = client.post(f"{room(world)}/consensus", data=data, headers={**headers, "HX-Request": "true"})

    assert response.status_code == 422
    assert response.headers["vary"] == "HX-Request"
    soup = parse(response)
    assert [a["id"] for a in soup.select("article")] == ["item-orange-practitioner-1"]
    assert "Choose an agreed rating from 1 to 5" in text_of(soup.select_one(".error-message"))
    assert text_of(soup.select_one("textarea")) == "We talked it over."
