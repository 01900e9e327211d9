"""Tablets offline (app.services.offline): the join pass, people who join while a tablet is offline, a closed
session's answers dropped, and the answers waiting on tablets."""

from __future__ import annotations

import secrets
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db.columns import utcnow
from app.db.engine import read_session
from app.db.tables import Answer, Participant
from app.services import offline
from tests.factories import World, app_state

ITEM = "orange.practitioner.1"


def lead(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens['lead_a']}"}


def join(client: TestClient, code: str) -> dict[str, object]:
    """Join as a new tablet (without the last one's cookie)."""
    client.cookies.clear()
    response = client.post("/api/join", json={"code": code})
    assert response.status_code == 200, response.text
    return response.json()


def tablet_token() -> str:
    """A participant token as a tablet makes one offline: 256 random bits."""
    return secrets.token_urlsafe(32)


def put(  # type: ignore[no-untyped-def]
    client: TestClient,
    token: str,
    join_pass: str | None,
    key: str,
    *,
    rating: int = 3,
    waiting: int | None = None,
):
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    if join_pass is not None:
        headers["Join-Pass"] = join_pass
    if waiting is not None:
        headers["Outbox-Waiting"] = str(waiting)
    return client.put("/api/responses", json={"answers": [{"item": ITEM, "rating": rating}]}, headers=headers)


def set_state(client: TestClient, world: World, session_id: int, state: str) -> None:
    response = client.post(f"/api/sessions/{session_id}/state", json={"state": state}, headers=lead(world))
    assert response.status_code == 200, response.text


def other_session(client: TestClient, world: World) -> tuple[int, str]:
    body = {"viewpoint": "practitioner", "arcs": ["orange"], "title": "Second group"}
    created = client.post(f"/api/rounds/{world.round_a}/sessions", json=body, headers=lead(world)).json()
    set_state(client, world, created["id"], "open")
    return created["id"], created["join_code"]


def counts(client: TestClient) -> tuple[int, int]:
    """(participants, answers) stored."""
    with read_session(app_state(client).engine) as db:
        people = db.scalar(select(func.count()).select_from(Participant))
        answers = db.scalar(select(func.count()).select_from(Answer))
        return int(people or 0), int(answers or 0)


def sessions_of_participants(client: TestClient) -> list[int]:
    with read_session(app_state(client).engine) as db:
        return sorted(db.scalars(select(Participant.session_id)))


def test_joining_gives_a_pass_bound_to_the_session_until_it_expires(client: TestClient, world: World) -> None:
    joined = join(client, world.session_a_code)
    verified = offline.read_pass(app_state(client).runtime, str(joined["offline_pass"]))
    assert verified is not None
    assert verified.session_id == world.session_a
    assert verified.expires_at > utcnow() + timedelta(hours=11)


def test_a_person_who_joined_offline_is_admitted_with_the_pass_and_their_answer_saved(
    client: TestClient, world: World
) -> None:
    join_pass = str(join(client, world.session_a_code)["offline_pass"])
    response = put(client, tablet_token(), join_pass, "k1")
    assert response.status_code == 200, response.text
    assert response.json()["saved"] == 1
    assert counts(client) == (2, 1)  # the tablet's first person, and the one who joined offline


def test_sending_an_offline_person_s_answer_again_stores_it_once(client: TestClient, world: World) -> None:
    join_pass = str(join(client, world.session_a_code)["offline_pass"])
    token = tablet_token()
    first = put(client, token, join_pass, "k1")
    again = put(client, token, join_pass, "k1")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert counts(client) == (2, 1)


def test_a_pass_edited_to_name_another_session_admits_no_one(client: TestClient, world: World) -> None:
    join_pass = str(join(client, world.session_a_code)["offline_pass"])
    other_id, _ = other_session(client, world)
    prefix, session_id, rest = join_pass.split(".", 2)
    assert int(session_id) == world.session_a
    edited = f"{prefix}.{other_id}.{rest}"
    response = put(client, tablet_token(), edited, "k1")
    assert response.status_code == 401
    assert counts(client) == (1, 0)


def test_an_expired_pass_admits_no_one(client: TestClient, world: World) -> None:
    runtime = app_state(client).runtime
    body = f"p1.{world.session_a}.{int((utcnow() - timedelta(minutes=1)).timestamp())}.nonce"
    expired = f"{body}.{offline._signature(runtime.secret_key, body)}"
    response = put(client, tablet_token(), expired, "k1")
    assert response.status_code == 401
    assert counts(client) == (0, 0)


def test_a_closed_session_refuses_an_offline_person_with_410_drop(client: TestClient, world: World) -> None:
    join_pass = str(join(client, world.session_a_code)["offline_pass"])
    set_state(client, world, world.session_a, "closed")
    response = put(client, tablet_token(), join_pass, "k1")
    assert response.status_code == 410
    assert response.headers["Outbox-Action"] == "drop"
    assert counts(client) == (1, 0)


def test_a_locked_session_admits_people_its_tablets_took_in_offline(client: TestClient, world: World) -> None:
    join_pass = str(join(client, world.session_a_code)["offline_pass"])
    set_state(client, world, world.session_a, "locked")
    assert put(client, tablet_token(), join_pass, "k1").status_code == 200
    assert counts(client) == (2, 1)


def test_a_token_admitted_in_one_session_cannot_be_replayed_into_another(
    client: TestClient, world: World
) -> None:
    pass_a = str(join(client, world.session_a_code)["offline_pass"])
    _, code_b = other_session(client, world)
    pass_b = str(join(client, code_b)["offline_pass"])
    token = tablet_token()
    assert put(client, token, pass_a, "k1").status_code == 200
    assert put(client, token, pass_b, "k2", rating=4).status_code == 200
    offline_people = sessions_of_participants(client)
    assert offline_people.count(world.session_a) == 2  # the tablet's first person and the offline one
    assert len(offline_people) == 3  # and session B has only the person who joined it online


def test_a_short_client_made_token_is_refused(client: TestClient, world: World) -> None:
    join_pass = str(join(client, world.session_a_code)["offline_pass"])
    response = put(client, "short-token", join_pass, "k1")
    assert response.status_code == 401
    assert counts(client) == (1, 0)


def test_a_pass_brings_in_no_more_people_than_its_cap(client: TestClient, world: World) -> None:
    join_pass = str(join(client, world.session_a_code)["offline_pass"])
    cap = app_state(client).settings.offline_pass_participants
    for number in range(cap):
        assert put(client, tablet_token(), join_pass, f"k{number}").status_code == 200
    response = put(client, tablet_token(), join_pass, "one-more")
    assert response.status_code == 409
    assert counts(client) == (cap + 1, cap)


def test_the_room_counts_what_each_tablet_last_said_it_holds(client: TestClient, world: World) -> None:
    first_tablet = join(client, world.session_a_code)
    second_tablet = join(client, world.session_a_code)
    put(client, str(first_tablet["token"]), str(first_tablet["offline_pass"]), "a", waiting=7)
    put(client, str(second_tablet["token"]), str(second_tablet["offline_pass"]), "b", waiting=3)
    progress = client.get(f"/api/sessions/{world.session_a}/progress", headers=lead(world)).json()
    assert progress["waiting_on_tablets"] == 10
    put(client, str(first_tablet["token"]), str(first_tablet["offline_pass"]), "c", rating=4, waiting=0)
    progress = client.get(f"/api/sessions/{world.session_a}/progress", headers=lead(world)).json()
    assert progress["waiting_on_tablets"] == 3
