"""The focus-group room's JSON API: the group's agreed ratings, revealing the room's answers, and who may."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.choices import Role
from app.db.engine import read_session, write_session
from app.db.tables import AuditEvent
from app.store.staff_sessions import create_api_token
from surveys import arc_of_code
from tests.factories import World, app_state, make_user

pytestmark = pytest.mark.database


def bearer(world: World, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[role]}"}


def answer(client: TestClient, code: str, answers: list[dict[str, object]], submit: bool = True) -> None:
    """One respondent joins with `code` and gives `answers`."""
    joined = client.post("/api/join", json={"code": code})
    assert joined.status_code == 200, joined.text
    client.cookies.clear()
    response = client.put(
        "/api/responses",
        json={"answers": answers, "submit": submit},
        headers={"Authorization": f"Bearer {joined.json()['token']}", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 200, response.text


def test_results_are_refused_with_409_until_the_facilitator_reveals_them(
    client: TestClient, world: World
) -> None:
    answer(client, world.session_a_code, [{"item": "orange.practitioner.1", "rating": 4}])

    response = client.get(f"/api/sessions/{world.session_a}/results", headers=bearer(world, "facilitator_a"))

    assert response.status_code == 409
    assert "hidden until you reveal them" in response.json()["detail"]


def test_revealed_results_count_each_rating_dont_know_and_not_applicable(
    client: TestClient, world: World
) -> None:
    for rating in (4, 4, 2, 3, 5, "dk", "na"):
        answer(client, world.session_a_code, [{"item": "orange.practitioner.1", "rating": rating}])
    answer(client, world.session_a_code, [{"item": "orange.practitioner.2", "rating": "na"}])
    headers = bearer(world, "facilitator_a")

    revealed = client.post(
        f"/api/sessions/{world.session_a}/reveal", json={"revealed": True}, headers=headers
    )
    results = client.get(f"/api/sessions/{world.session_a}/results", headers=headers).json()

    assert revealed.json() == {"revealed": True}
    by_item = {entry["item"]: entry for entry in results}
    assert by_item["orange.practitioner.1"] == {
        "item": "orange.practitioner.1",
        "suppressed": False,
        "hidden_because": None,
        "more_needed": 0,
        "counts": {"1": 0, "2": 1, "3": 1, "4": 2, "5": 1},
        "dk": 1,
        "na": 1,
        "n": 7,
        "raters": 5,
        "as_revealed_at": None,
    }
    # No one rated it 1 to 5: every figure is withheld, and it needs k more raters.
    assert by_item["orange.practitioner.2"] == {
        "item": "orange.practitioner.2",
        "suppressed": True,
        "hidden_because": "too few answers to show",
        "more_needed": 5,
        "counts": None,
        "dk": None,
        "na": None,
        "n": None,
        "raters": None,
        "as_revealed_at": None,
    }
    assert results[0]["item"] == "orange.practitioner.1"
    assert {arc_of_code(entry["item"]) for entry in results} == {"orange", "green"}


def test_hiding_the_results_again_refuses_them_again(client: TestClient, world: World) -> None:
    headers = bearer(world, "facilitator_a")
    client.post(f"/api/sessions/{world.session_a}/reveal", json={"revealed": True}, headers=headers)

    client.post(f"/api/sessions/{world.session_a}/reveal", json={"revealed": False}, headers=headers)

    assert client.get(f"/api/sessions/{world.session_a}/results", headers=headers).status_code == 409


def test_reveal_takes_only_a_json_boolean(client: TestClient, world: World) -> None:
    response = client.post(
        f"/api/sessions/{world.session_a}/reveal", json={"revealed": "yes"}, headers=bearer(world, "lead_a")
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "body.revealed"


def test_a_consensus_is_saved_then_listed_and_replaced_by_a_second_save(
    client: TestClient, world: World
) -> None:
    headers = bearer(world, "facilitator_a")
    path = f"/api/sessions/{world.session_a}/consensus"

    first = client.post(
        path, json={"item": "orange.practitioner.2", "rating": 3, "notes": "Glossary"}, headers=headers
    )
    client.post(
        path, json={"item": "orange.practitioner.2", "rating": None, "notes": "Split"}, headers=headers
    )

    assert first.status_code == 200
    assert first.json() == {"item": "orange.practitioner.2", "rating": 3, "notes": "Glossary"}
    assert client.get(path, headers=headers).json() == [
        {"item": "orange.practitioner.2", "rating": None, "notes": "Split"}
    ]


def test_recording_a_consensus_is_audited_without_the_notes(client: TestClient, world: World) -> None:
    client.post(
        f"/api/sessions/{world.session_a}/consensus",
        json={"item": "green.practitioner.1", "rating": 5, "notes": "secret-ish evidence"},
        headers=bearer(world, "lead_a"),
    )

    with read_session(app_state(client).engine) as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "session.consensus"))
    assert event is not None
    assert (event.target, event.detail, event.actor_email) == (
        f"session {world.session_a}",
        "green.practitioner.1: 5",
        world.emails["lead_a"],
    )


def test_a_consensus_for_a_statement_not_in_the_session_is_422_naming_the_item(
    client: TestClient, world: World
) -> None:
    response = client.post(
        f"/api/sessions/{world.session_a}/consensus",
        json={"item": "red.child.1", "rating": 3},
        headers=bearer(world, "facilitator_a"),
    )

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "item", "message": "'red.child.1' is not a statement of this session"}
    ]


@pytest.mark.parametrize("rating", [0, 6, "3", 2.5, True])
def test_a_consensus_rating_outside_1_to_5_is_422_naming_the_rating(
    client: TestClient, world: World, rating: object
) -> None:
    response = client.post(
        f"/api/sessions/{world.session_a}/consensus",
        json={"item": "orange.practitioner.1", "rating": rating},
        headers=bearer(world, "facilitator_a"),
    )

    assert response.status_code == 422
    assert {problem["field"] for problem in response.json()["detail"]} <= {
        "body.rating",
        "body.rating.int",
    }


def test_another_facilitator_of_the_trust_gets_404_for_a_session_not_theirs(
    client: TestClient, world: World
) -> None:
    other = make_user(
        app_state(client).engine,
        "other.facilitator@example.org",
        trust_id=world.trust_a,
        role=Role.FACILITATOR,
    )
    with write_session(app_state(client).engine) as db:
        token = create_api_token(db, user_id=other)

    response = client.get(
        f"/api/sessions/{world.session_a}/consensus", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 404


def test_a_viewer_cannot_reveal_the_results(client: TestClient, world: World) -> None:
    response = client.post(
        f"/api/sessions/{world.session_a}/reveal", json={"revealed": True}, headers=bearer(world, "viewer_a")
    )

    assert response.status_code == 403


def test_a_lead_of_the_trust_may_read_any_of_its_sessions_consensus(client: TestClient, world: World) -> None:
    response = client.get(f"/api/sessions/{world.session_a}/consensus", headers=bearer(world, "lead_a"))

    assert (response.status_code, response.json()) == (200, [])
