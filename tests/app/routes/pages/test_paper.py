"""Typing in paper questionnaires: each paper one anonymous participant who has finished."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.choices import SessionState
from app.db.engine import read_session, write_session
from app.db.tables import Answer, AuditEvent, FocusSession, Participant
from app.routes.pages.paper import PaperPage
from tests.app.routes.pages.focus_groups import (
    progress_counts,
    room,
)
from tests.factories import World, app_state, browse_as
from tests.pages import find_form, get_page, location, parse, rendered_with, submit, text_of

pytestmark = pytest.mark.database


def test_a_paper_questionnaire_becomes_one_submitted_anonymous_participant(
    client: TestClient, world: World
) -> None:
    browse_as(client, world.users["facilitator_a"])
    form = find_form(get_page(client, f"{room(world)}/paper"), f"{room(world)}/paper")

    response = submit(
        client, form, **{"rating-orange.practitioner.1": "5", "rating-green.practitioner.2": "dk"}
    )

    assert location(response) == f"{room(world)}/paper?added=1"
    with read_session(app_state(client).engine) as db:
        participants = db.scalars(select(Participant)).all()
        answers = db.scalars(select(Answer).order_by(Answer.item_code)).all()
        audited = db.scalar(select(AuditEvent.detail).where(AuditEvent.action == "session.paper"))
    assert len(participants) == 1
    paper = participants[0]
    assert (paper.source, paper.submitted_at is not None, paper.session_id, paper.entered_by_id) == (
        "paper",
        True,
        world.session_a,
        world.users["facilitator_a"],  # known to whoever typed it in: the padding rule counts it so
    )
    assert len(paper.token_hash) == 64
    assert [(a.item_code, a.rating, a.kind) for a in answers] == [
        ("green.practitioner.2", None, "dk"),
        ("orange.practitioner.1", 5, "rating"),
    ]
    assert audited == "2 answers"
    counts = progress_counts(parse(client.get(room(world), headers={"HX-Request": "true"})))
    assert counts == {"Joined": "1", "Answering": "0", "Submitted": "1", "Left without submitting": "0"}


def test_a_blank_paper_is_refused_with_422_and_stores_nothing(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    form = find_form(get_page(client, f"{room(world)}/paper"), f"{room(world)}/paper")

    response = submit(client, form)

    assert response.status_code == 422
    assert "at least one statement" in text_of(parse(response).select_one(".error-summary"))
    with read_session(app_state(client).engine) as db:
        assert db.scalars(select(Participant)).all() == []


def test_draft_sessions_take_no_paper_questionnaires(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    with write_session(app_state(client).engine) as db:
        focus = db.get(FocusSession, world.session_a)
        assert focus is not None
        focus.state = SessionState.DRAFT

    response = client.post(
        f"{room(world)}/paper", data={"rating-orange.practitioner.1": "3"}, headers=headers
    )

    assert response.status_code == 409


def test_closed_sessions_take_no_paper_questionnaires(client: TestClient, world: World) -> None:
    """Typing answers into a closed session could lift a hidden group over the threshold after the fact."""
    headers = browse_as(client, world.users["facilitator_a"])
    with write_session(app_state(client).engine) as db:
        focus = db.get(FocusSession, world.session_a)
        assert focus is not None
        focus.state = SessionState.CLOSED

    response = client.post(
        f"{room(world)}/paper", data={"rating-orange.practitioner.1": "1"}, headers=headers
    )

    assert response.status_code == 409
    assert "This session is closed" in response.text
    with read_session(app_state(client).engine) as db:
        assert db.scalars(select(Participant)).all() == []


def test_the_paper_form_gets_exactly_its_page_context(client: TestClient, world: World) -> None:
    browse_as(client, world.users["facilitator_a"])
    context = rendered_with(client.get(f"{room(world)}/paper?added=1"), "facilitate/paper.html", PaperPage)
    assert context["added"] and context["chosen"] == {}
    first = context["sections"][0].items[0]
    assert first.anchor == "item-" + first.item.code.replace(".", "-")


def test_a_refused_paper_keeps_what_was_chosen(client: TestClient, world: World) -> None:
    headers = browse_as(client, world.users["facilitator_a"])
    data = {"rating-orange.practitioner.1": "4", "rating-orange.practitioner.2": "7"}

    response = client.post(f"{room(world)}/paper", data=data, headers=headers)

    assert response.status_code == 422
    context = rendered_with(response, "facilitate/paper.html", PaperPage)
    assert context["chosen"] == {"orange.practitioner.1": "4", "orange.practitioner.2": "7"}
    assert parse(response).select_one("#item-orange-practitioner-1-4").has_attr("checked")
