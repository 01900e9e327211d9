"""POST /api/rounds/{id}/publish and /reopen: a round's figures exist once a lead publishes it with every
focus group closed; a trust publishes at most a few times a day; late answers need the round reopened, then
published again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.choices import SessionState
from app.config import Settings
from app.db.disclosure_tables import Disclosure
from app.db.engine import read_session
from app.db.tables import AuditEvent, Participant
from tests.answers import focus_group
from tests.api import bearer, import_csv, publish, reopen
from tests.apps import build_app
from tests.factories import World, add_round, app_state, make_world

pytestmark = pytest.mark.database


def publish_response(client: TestClient, world: World, round_id: int, role: str = "lead_a"):  # type: ignore[no-untyped-def]
    return client.post(f"/api/rounds/{round_id}/publish", headers=bearer(world, role))


def close_session_a(client: TestClient, world: World) -> None:
    response = client.post(
        f"/api/sessions/{world.session_a}/state", json={"state": "closed"}, headers=bearer(world)
    )
    assert response.status_code == 200, response.text


def publications(client: TestClient, round_id: int) -> int:
    with read_session(app_state(client).engine) as db:
        return int(
            db.scalar(
                select(func.count()).where(Disclosure.round_id == round_id, Disclosure.kind == "publication")
            )  # type: ignore[arg-type]
            or 0
        )


def test_a_lead_publishes_a_round_whose_focus_groups_are_all_closed(client: TestClient, world: World) -> None:
    close_session_a(client, world)
    response = publish_response(client, world, world.round_a)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["round_id"], body["publication"]) == (world.round_a, 1)
    assert datetime.fromisoformat(body["published_at"]).tzinfo is not None
    scores = client.get(f"/api/rounds/{world.round_a}/scores", headers=bearer(world, "viewer_a"))
    assert (scores.status_code, scores.json()["publication"]) == (200, 1)
    assert client.get(f"/api/rounds/{world.round_a}", headers=bearer(world)).json()["status"] == "closed"


def test_publishing_with_focus_groups_not_closed_is_refused_naming_them_and_changes_nothing(
    client: TestClient, world: World
) -> None:
    focus_group(
        app_state(client).engine, world.round_a, "child", [], state=SessionState.DRAFT, title="Year 6"
    )
    response = publish_response(client, world, world.round_a)
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "'Practitioners, north locality'" in detail and "'Year 6'" in detail
    assert publications(client, world.round_a) == 0
    assert client.get(f"/api/rounds/{world.round_a}/scores", headers=bearer(world)).status_code == 409
    assert client.get(f"/api/rounds/{world.round_a}", headers=bearer(world)).json()["status"] == "open"
    with read_session(app_state(client).engine) as db:
        assert db.scalar(select(AuditEvent).where(AuditEvent.action == "round.publish")) is None


def test_publishing_again_after_late_answers_makes_the_next_publication(
    client: TestClient, world: World
) -> None:
    assert publish(client, world, world.round_a)["publication"] == 1
    reopen(client, world, world.round_a)
    assert publish(client, world, world.round_a)["publication"] == 2
    with read_session(app_state(client).engine) as db:
        actions = list(
            db.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.startswith("round."))
                .order_by(AuditEvent.id)
            )
        )  # type: ignore[attr-defined]
    assert actions == ["round.publish", "round.reopen", "round.republish"]


def test_a_published_round_takes_no_answers_until_a_lead_reopens_it(client: TestClient, world: World) -> None:
    publish(client, world, world.round_a)
    body = b"respondent,viewpoint,item,rating\nr1,team,orange.team.1,4\n"
    headers = {**bearer(world), "content-type": "text/csv"}
    refused = client.post(f"/api/rounds/{world.round_a}/answers/import", content=body, headers=headers)
    assert refused.status_code == 409 and "reopen" in refused.json()["detail"]
    session = client.post(
        f"/api/rounds/{world.round_a}/sessions",
        json={"viewpoint": "child", "arcs": ["orange"], "title": "Year 6"},
        headers=bearer(world),
    )
    assert session.status_code == 409
    reopened = client.post(f"/api/rounds/{world.round_a}/reopen", headers=bearer(world))
    assert reopened.json() == {"round_id": world.round_a, "taking_answers": True}
    taken = client.post(f"/api/rounds/{world.round_a}/answers/import", content=body, headers=headers)
    assert taken.status_code == 200
    assert client.get(f"/api/rounds/{world.round_a}/scores", headers=bearer(world)).json()["publication"] == 1


def test_reopening_a_round_already_taking_answers_is_refused(client: TestClient, world: World) -> None:
    response = client.post(f"/api/rounds/{world.round_a}/reopen", headers=bearer(world))
    assert response.status_code == 409
    assert response.json()["detail"] == "This round is already taking answers."


def test_imported_answers_say_who_imported_them(client: TestClient, world: World) -> None:
    import_csv(client, world, world.round_a, ["r1,team,orange.team.1,4"], publish_it=False)
    with read_session(app_state(client).engine) as db:
        imported = db.scalars(select(Participant)).one()
    assert (imported.source, imported.entered_by_id) == ("import", world.users["lead_a"])


# --- the daily limit ------------------------------------------------------------------------------------


@pytest.fixture
def three_a_day(migrated: Settings) -> Iterator[tuple[TestClient, World]]:
    """An app whose trusts may publish three times a day, and its world."""
    with TestClient(build_app(migrated.model_copy(update={"max_publications_per_day": 3}))) as client:
        yield client, make_world(app_state(client).engine)


def test_publishing_beyond_the_daily_limit_is_refused_saying_when_and_changes_nothing(
    three_a_day: tuple[TestClient, World],
) -> None:
    client, world = three_a_day
    for _ in range(3):
        publish(client, world, world.round_a)
        reopen(client, world, world.round_a)
    response = publish_response(client, world, world.round_a)
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 24 * 3600
    assert "published 3 times in the last day" in response.json()["detail"]
    assert "It can publish again at " in response.json()["detail"]
    assert publications(client, world.round_a) == 3


def test_deleting_published_rounds_does_not_give_publications_back(
    three_a_day: tuple[TestClient, World],
) -> None:
    client, world = three_a_day
    engine = app_state(client).engine
    for n in range(3):
        probe = add_round(engine, trust_id=world.trust_a, name=f"Probe {n}")
        publish(client, world, probe)
        assert client.delete(f"/api/rounds/{probe}", headers=bearer(world)).status_code == 204
    close_session_a(client, world)
    assert publish_response(client, world, world.round_a).status_code == 429
    assert publish_response(client, world, world.round_b, role="lead_b").status_code == 200  # another trust
