"""The audit log: logins, memberships, trusts, users and rounds are recorded; secrets never are."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db.engine import read_session
from app.db.tables import AuditEvent
from tests.factories import PASSWORD, World, app_state, browse_as, csrf_headers


def events(client: TestClient) -> list[AuditEvent]:
    with read_session(app_state(client).engine) as db:
        return list(db.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def sign_in(client: TestClient, email: str, password: str) -> None:
    client.get("/login")
    client.post("/login", data={"email": email, "password": password}, headers=csrf_headers(client))


def test_a_successful_login_is_recorded_with_actor_and_utc_time(client: TestClient, world: World) -> None:
    sign_in(client, world.emails["lead_a"], PASSWORD)
    [event] = events(client)
    assert (event.action, event.outcome, event.actor_email) == ("login", "ok", world.emails["lead_a"])
    assert event.at.utcoffset() is not None and event.at.utcoffset().total_seconds() == 0


def test_a_failed_login_is_recorded_without_the_password(client: TestClient, world: World) -> None:
    sign_in(client, world.emails["lead_a"], "my secret guess")
    [event] = events(client)
    assert (event.action, event.outcome, event.actor_id) == ("login", "failed", world.users["lead_a"])
    assert "my secret guess" not in repr(event.model_dump())


def test_a_failed_login_for_an_unknown_email_does_not_log_what_was_typed(client: TestClient) -> None:
    sign_in(client, "typed-a-password-here@example.org", "whatever")
    [event] = events(client)
    assert event.actor_email is None and event.detail == "unknown account"
    assert "typed-a-password-here" not in repr(event.model_dump())


def test_round_creation_and_deletion_are_recorded_in_the_trust(client: TestClient, world: World) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['lead_a']}"}
    round_id = client.post(
        f"/api/trusts/{world.trust_a}/rounds", json={"name": "2010"}, headers=headers
    ).json()["id"]
    client.delete(f"/api/rounds/{round_id}", headers=headers)
    recorded = [(e.action, e.trust_id, e.target, e.actor_email) for e in events(client)]
    assert recorded == [
        ("round.create", world.trust_a, f"round {round_id}", world.emails["lead_a"]),
        ("round.delete", world.trust_a, f"round {round_id}", world.emails["lead_a"]),
    ]


def test_membership_changes_are_recorded(client: TestClient, world: World) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['admin']}"}
    path = f"/api/trusts/{world.trust_a}/members/{world.users['viewer_a']}"
    client.put(path, json={"role": "lead"}, headers=headers)
    client.delete(path, headers=headers)
    recorded = [(e.action, e.detail) for e in events(client)]
    assert recorded == [("membership.set", "role viewer -> lead"), ("membership.remove", None)]


def test_no_token_ever_reaches_the_log(client: TestClient, world: World) -> None:
    headers = {"Authorization": f"Bearer {world.tokens['admin']}"}
    client.post("/api/trusts", json={"name": "Trust C"}, headers=headers)
    client.post(
        "/api/users", json={"email": "c@example.org", "password": "a long enough password"}, headers=headers
    )
    logged = repr([e.model_dump() for e in events(client)])
    assert world.tokens["admin"] not in logged and "a long enough password" not in logged


def test_the_admin_audit_page_lists_events(client: TestClient, world: World) -> None:
    sign_in(client, world.emails["lead_a"], "wrong password")
    browse_as(client, world.users["admin"])
    page = client.get("/admin/audit").text
    assert "Signed in" in page and "Failed" in page and world.emails["lead_a"] in page
