"""The staff API: trusts, users, memberships and rounds, as the design's contract shapes them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db.engine import read_session
from app.db.tables import Membership, Round
from tests.factories import World, app_state


def bearer(world: World, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[role]}"}


def test_anonymous_cannot_create_a_trust(client: TestClient) -> None:
    response = client.post("/api/trusts", json={"name": "Trust C"})
    assert response.status_code == 401


def test_an_admin_token_creates_a_trust(client: TestClient, world: World) -> None:
    response = client.post("/api/trusts", json={"name": "Leicestershire"}, headers=bearer(world, "admin"))
    assert response.status_code == 201
    assert response.json()["name"] == "Leicestershire"
    assert isinstance(response.json()["id"], int)


def test_a_duplicate_trust_name_is_409(client: TestClient, world: World) -> None:
    response = client.post("/api/trusts", json={"name": "Trust A"}, headers=bearer(world, "admin"))
    assert response.status_code == 409


def test_a_lead_creates_a_round_pinned_to_the_framework_version(client: TestClient, world: World) -> None:
    body = {"name": "2010 re-assessment", "period_start": "2010-01-01", "period_end": "2010-12-31"}
    response = client.post(f"/api/trusts/{world.trust_a}/rounds", json=body, headers=bearer(world, "lead_a"))
    assert response.status_code == 201
    created = response.json()
    assert created["framework_version"] == "2009.1"
    assert (created["trust_id"], created["status"], created["period_end"]) == (
        world.trust_a,
        "open",
        "2010-12-31",
    )
    fetched = client.get(f"/api/rounds/{created['id']}", headers=bearer(world, "viewer_a")).json()
    assert fetched == created


def test_a_lead_of_another_trust_gets_404_on_its_round(client: TestClient, world: World) -> None:
    response = client.get(f"/api/rounds/{world.round_a}", headers=bearer(world, "lead_b"))
    assert response.status_code == 404


def test_a_lead_of_another_trust_cannot_create_rounds_there(client: TestClient, world: World) -> None:
    response = client.post(
        f"/api/trusts/{world.trust_a}/rounds", json={"name": "x"}, headers=bearer(world, "lead_b")
    )
    assert response.status_code == 404
    with read_session(app_state(client).engine) as db:
        assert len(db.scalars(select(Round).where(Round.trust_id == world.trust_a)).all()) == 1


def test_a_malformed_round_body_is_422_naming_the_field(client: TestClient, world: World) -> None:
    response = client.post(
        f"/api/trusts/{world.trust_a}/rounds", json={"nme": "x"}, headers=bearer(world, "lead_a")
    )
    assert response.status_code == 422
    fields = {problem["field"] for problem in response.json()["detail"]}
    assert fields == {"body.name", "body.nme"}


def test_a_period_ending_before_it_starts_is_422(client: TestClient, world: World) -> None:
    body = {"name": "x", "period_start": "2010-06-01", "period_end": "2010-01-01"}
    response = client.post(f"/api/trusts/{world.trust_a}/rounds", json=body, headers=bearer(world, "lead_a"))
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "body.period_end", "message": "must not be before the start of the period"}
    ]


def test_a_round_cannot_be_moved_to_another_trust_by_its_body(client: TestClient, world: World) -> None:
    body = {"name": "sneaky", "trust_id": world.trust_b}
    response = client.post(f"/api/trusts/{world.trust_a}/rounds", json=body, headers=bearer(world, "lead_a"))
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "body.trust_id", "message": "Extra inputs are not permitted"}
    ]


def test_a_lead_cannot_raise_their_own_role_or_join_another_trust(client: TestClient, world: World) -> None:
    me = world.users["facilitator_a"]
    raise_role = client.put(
        f"/api/trusts/{world.trust_a}/members/{me}",
        json={"role": "lead"},
        headers=bearer(world, "facilitator_a"),
    )
    move_trust = client.put(
        f"/api/trusts/{world.trust_b}/members/{me}",
        json={"role": "lead"},
        headers=bearer(world, "facilitator_a"),
    )
    assert (raise_role.status_code, move_trust.status_code) == (403, 403)
    with read_session(app_state(client).engine) as db:
        [membership] = db.scalars(select(Membership).where(Membership.user_id == me)).all()
    assert (membership.trust_id, membership.role) == (world.trust_a, "facilitator")


def test_a_user_cannot_make_themselves_admin_through_the_user_api(client: TestClient, world: World) -> None:
    body = {"email": "me2@example.org", "password": "a long enough password", "is_admin": True}
    assert client.post("/api/users", json=body, headers=bearer(world, "lead_a")).status_code == 403


def test_an_admin_creates_a_user_and_gives_a_membership(client: TestClient, world: World) -> None:
    body = {"email": "New.Person@Example.org", "password": "a long enough password"}
    user = client.post("/api/users", json=body, headers=bearer(world, "admin")).json()
    assert (
        user["email"] == "new.person@example.org" and "password" not in user and "password_hash" not in user
    )
    response = client.put(
        f"/api/trusts/{world.trust_b}/members/{user['id']}",
        json={"role": "viewer"},
        headers=bearer(world, "admin"),
    )
    assert response.json() == {"user_id": user["id"], "trust_id": world.trust_b, "role": "viewer"}


def test_a_short_password_is_422_naming_the_field(client: TestClient, world: World) -> None:
    body = {"email": "x@example.org", "password": "short"}
    response = client.post("/api/users", json=body, headers=bearer(world, "admin"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "body.password"
    assert "12 characters" in response.json()["detail"][0]["message"]


@pytest.mark.parametrize(
    ("password", "message"),
    [
        pytest.param(" " * 12, "must not be only spaces", id="twelve-spaces"),
        pytest.param("\x00" * 12, "control characters", id="twelve-nuls"),
        pytest.param("password1234", "too common", id="common"),
    ],
)
def test_the_passwords_the_probe_found_accepted_are_422(
    client: TestClient, world: World, password: str, message: str
) -> None:
    body = {"email": "x@example.org", "password": password}
    response = client.post("/api/users", json=body, headers=bearer(world, "admin"))
    assert response.status_code == 422
    assert message in response.json()["detail"][0]["message"]


def test_an_unknown_role_is_422(client: TestClient, world: World) -> None:
    response = client.put(
        f"/api/trusts/{world.trust_a}/members/{world.users['viewer_a']}",
        json={"role": "owner"},
        headers=bearer(world, "admin"),
    )
    assert response.status_code == 422


def test_deleting_a_round_removes_it(client: TestClient, world: World) -> None:
    assert client.delete(f"/api/rounds/{world.round_a}", headers=bearer(world, "lead_a")).status_code == 204
    assert client.get(f"/api/rounds/{world.round_a}", headers=bearer(world, "lead_a")).status_code == 404


def test_a_viewer_cannot_delete_a_round(client: TestClient, world: World) -> None:
    assert client.delete(f"/api/rounds/{world.round_a}", headers=bearer(world, "viewer_a")).status_code == 403
    assert client.get(f"/api/rounds/{world.round_a}", headers=bearer(world, "viewer_a")).status_code == 200


def test_staff_list_only_their_own_trusts(client: TestClient, world: World) -> None:
    names = [t["name"] for t in client.get("/api/trusts", headers=bearer(world, "lead_b")).json()]
    assert names == ["Trust B"]
    all_names = [t["name"] for t in client.get("/api/trusts", headers=bearer(world, "admin")).json()]
    assert all_names == ["Trust A", "Trust B"]


def test_an_id_beyond_the_database_s_integers_is_422_not_a_crash(client: TestClient, world: World) -> None:
    for method, path in [
        ("GET", "/api/trusts/9223372036854775808"),
        ("GET", "/api/rounds/2147483648"),
        ("DELETE", "/api/rounds/2147483648"),
        ("GET", "/api/trusts/2147483648/rounds"),
    ]:
        response = client.request(method, path, headers=bearer(world, "admin"))
        assert response.status_code == 422, (method, path)
        assert response.json()["detail"][0]["field"].startswith("path.")


def test_control_and_invisible_characters_are_refused_in_emails_and_names(
    client: TestClient, world: World
) -> None:
    admin = bearer(world, "admin")
    # Written as JSON escapes: a lone surrogate cannot even be encoded as UTF-8 by the client.
    for email in ("a\\u0000b@example.org", "a\\ud800b@example.org", "a\\u202eb@example.org"):
        body = '{"email": "' + email + '", "password": "a long enough password"}'
        headers = {**admin, "content-type": "application/json"}
        assert client.post("/api/users", content=body.encode(), headers=headers).status_code == 422, email
    for name in ("Trust\u0000C", "Trust\u00adC", "   "):
        assert client.post("/api/trusts", json={"name": name}, headers=admin).status_code == 422, repr(name)


def test_types_are_not_coerced(client: TestClient, world: World) -> None:
    admin = bearer(world, "admin")
    body = {"email": "x@example.org", "password": "a long enough password", "is_admin": 1}
    assert client.post("/api/users", json=body, headers=admin).status_code == 422
    round_body = {"name": "2010", "period_start": 0}
    assert (
        client.post(f"/api/trusts/{world.trust_a}/rounds", json=round_body, headers=admin).status_code == 422
    )


def test_a_wrong_method_lists_every_allowed_method(client: TestClient, world: World) -> None:
    response = client.request("PATCH", f"/api/rounds/{world.round_a}", headers=bearer(world, "admin"))
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET"


def test_the_openapi_document_describes_errors_and_the_bearer_scheme(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert schemas["HTTPValidationError"]["properties"]["detail"]["items"] == {
        "$ref": "#/components/schemas/FieldProblem"
    }
    assert "ValidationError" not in schemas
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    create_trust = document["paths"]["/api/trusts"]["post"]["responses"]
    assert {"201", "400", "401", "403", "409", "422"} <= set(create_trust)
