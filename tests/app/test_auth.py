"""Staff sessions and API tokens: cookie flags, expiry, sign-out, disabled accounts, tokens never mixed."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from app.db.columns import utcnow
from app.db.engine import write_session
from app.db.tables import StaffSession, User
from app.web.auth import SESSION_COOKIE
from app.web.csrf import CSRF_COOKIE
from tests.factories import PASSWORD, World, app_state, browse_as, csrf_headers


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> object:
    client.get("/login")  # a browser gets its CSRF cookie from the sign-in page
    return client.post(
        "/login",
        data={"email": email, "password": password},
        headers=csrf_headers(client),
        follow_redirects=False,
    )


def age_sessions(client: TestClient, **changes: object) -> None:
    with write_session(app_state(client).engine) as db:
        db.execute(update(StaffSession).values(**changes))


def test_signing_in_sets_an_httponly_samesite_session_cookie(client: TestClient, world: World) -> None:
    response = sign_in(client, world.emails["lead_a"])
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie
    assert client.get("/api/me").json()["email"] == world.emails["lead_a"]


def test_the_session_cookie_is_secure_over_https(world_https: tuple[TestClient, World]) -> None:
    client, world = world_https
    response = sign_in(client, world.emails["lead_a"])
    assert "Secure" in response.headers["set-cookie"]


def test_emails_are_matched_without_regard_to_case(client: TestClient, world: World) -> None:
    assert sign_in(client, world.emails["lead_a"].upper()).status_code == 303


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client: TestClient, world: World) -> None:
    wrong = sign_in(client, world.emails["lead_a"], "not the password")
    unknown = sign_in(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    message = "That email address and password do not match an account that can sign in."
    assert message in wrong.text and message in unknown.text
    assert SESSION_COOKIE not in client.cookies


def test_an_idle_session_expires_after_thirty_minutes(client: TestClient, world: World) -> None:
    sign_in(client, world.emails["lead_a"])
    age_sessions(client, last_seen_at=utcnow() - timedelta(minutes=31))
    assert client.get("/api/me").status_code == 401


def test_a_session_in_use_lasts_past_thirty_minutes(client: TestClient, world: World) -> None:
    sign_in(client, world.emails["lead_a"])
    age_sessions(
        client, created_at=utcnow() - timedelta(hours=2), last_seen_at=utcnow() - timedelta(minutes=29)
    )
    assert client.get("/api/me").status_code == 200


def test_a_session_ends_twelve_hours_after_sign_in_however_active(client: TestClient, world: World) -> None:
    sign_in(client, world.emails["lead_a"])
    age_sessions(client, created_at=utcnow() - timedelta(hours=12, minutes=1), last_seen_at=utcnow())
    assert client.get("/api/me").status_code == 401


def test_an_expired_session_sends_a_browser_to_sign_in_again(client: TestClient, world: World) -> None:
    sign_in(client, world.emails["lead_a"])
    age_sessions(client, last_seen_at=utcnow() - timedelta(hours=1))
    response = client.get(f"/trust/{world.trust_a}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/trust/{world.trust_a}"


def test_signing_out_ends_the_session_on_the_server(client: TestClient, world: World) -> None:
    sign_in(client, world.emails["lead_a"])
    old_cookie = client.cookies.get(SESSION_COOKIE)
    response = client.post("/logout", headers=csrf_headers(client), follow_redirects=False)
    assert response.headers["location"] == "/login?signed_out=1"
    client.cookies.set(SESSION_COOKIE, old_cookie or "")
    assert client.get("/api/me").status_code == 401


def test_a_disabled_account_is_out_at_once(client: TestClient, world: World) -> None:
    browse_as(client, world.users["lead_a"])
    assert client.get("/api/me").status_code == 200
    with write_session(app_state(client).engine) as db:
        db.execute(update(User).where(User.id == world.users["lead_a"]).values(is_active=False))
    assert client.get("/api/me").status_code == 401


def test_a_disabled_account_cannot_sign_in(client: TestClient, world: World) -> None:
    with write_session(app_state(client).engine) as db:
        db.execute(update(User).where(User.id == world.users["lead_a"]).values(is_active=False))
    assert sign_in(client, world.emails["lead_a"]).status_code == 401


def test_a_forged_session_cookie_is_ignored(client: TestClient, world: World) -> None:
    client.cookies.set(SESSION_COOKIE, "made-up.signature")
    assert client.get("/api/me").status_code == 401


def test_an_api_token_authenticates(client: TestClient, world: World) -> None:
    response = client.get("/api/me", headers={"Authorization": f"Bearer {world.tokens['viewer_a']}"})
    assert response.status_code == 200
    assert response.json()["memberships"] == [
        {"user_id": world.users["viewer_a"], "trust_id": world.trust_a, "role": "viewer"}
    ]


def test_a_bad_token_is_401_even_with_a_valid_session_cookie(client: TestClient, world: World) -> None:
    browse_as(client, world.users["admin"])
    response = client.get("/api/me", headers={"Authorization": "Bearer rbw_not-a-real-token"})
    assert response.status_code == 401
    assert response.json() == {"detail": "That API token is not valid."}
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_disabled_account_s_token_stops_working(client: TestClient, world: World) -> None:
    with write_session(app_state(client).engine) as db:
        db.execute(update(User).where(User.id == world.users["viewer_a"]).values(is_active=False))
    response = client.get("/api/me", headers={"Authorization": f"Bearer {world.tokens['viewer_a']}"})
    assert response.status_code == 401


def test_the_csrf_cookie_is_httponly_and_samesite(client: TestClient) -> None:
    cookie = client.get("/login").headers["set-cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
