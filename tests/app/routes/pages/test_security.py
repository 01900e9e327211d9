"""The second factor, as a browser uses it: setting up TOTP with the secret the page shows, signing in with a
code or a recovery code, wrong codes refused and throttled, required for administrators, reset by one."""

from __future__ import annotations

import pyotp
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select, update

from app.config import Settings
from app.db.engine import read_session, write_session
from app.db.tables import AuditEvent, StaffSession, User
from app.web.auth import SECOND_FACTOR_COOKIE
from tests.apps import build_app
from tests.factories import ADMIN_TOTP_SECRET, PASSWORD, World, app_state, browse_as, make_world
from tests.pages import find_form, get_page, location, parse, submit, text_of

pytestmark = pytest.mark.database


def without_second_factor(client: TestClient, user_id: int) -> None:
    with write_session(app_state(client).engine) as db:
        db.execute(update(User).where(User.id == user_id).values(totp_secret=None, mfa_enabled_at=None))


def sign_in(client: TestClient, email: str) -> Response:
    client.cookies.clear()
    form = find_form(get_page(client, "/login"), "/login")
    return submit(client, form, email=email, password=PASSWORD)


def give_code(client: TestClient, code: str) -> Response:
    form = find_form(get_page(client, "/login/second-factor"), "/login/second-factor")
    return submit(client, form, code=code)


def sessions_of(client: TestClient, user_id: int) -> int:
    with read_session(app_state(client).engine) as db:
        query = select(func.count()).select_from(StaffSession).where(StaffSession.user_id == user_id)
        return int(db.scalar(query) or 0)


def set_up(client: TestClient) -> list[str]:
    """Set up the second factor as a person would (reading the key off the page); the recovery codes."""
    page = get_page(client, "/account/security")
    secret = text_of(page.select_one(".secret-key"))
    assert page.select_one(".qr-small svg") is not None
    response = submit(client, find_form(page, "/account/security"), code=pyotp.TOTP(secret).now())
    assert response.status_code == 200
    return [text_of(code) for code in parse(response).select(".recovery-codes code")]


def test_an_admin_without_a_second_factor_is_sent_to_set_it_up_and_then_gets_in(
    client: TestClient, world: World
) -> None:
    admin = world.users["admin"]
    without_second_factor(client, admin)
    browse_as(client, admin)

    refused = client.get("/admin", follow_redirects=False)
    assert (refused.status_code, refused.headers["location"]) == (303, "/account/security?required=1")
    assert "Your role needs a second factor" in text_of(get_page(client, "/account/security?required=1"))

    codes = set_up(client)

    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/admin").status_code == 200
    with read_session(app_state(client).engine) as db:
        assert db.scalar(select(AuditEvent.action).where(AuditEvent.action == "mfa.enable")) == "mfa.enable"


def test_a_wrong_code_does_not_turn_the_second_factor_on(client: TestClient, world: World) -> None:
    admin = world.users["admin"]
    without_second_factor(client, admin)
    browse_as(client, admin)
    form = find_form(get_page(client, "/account/security"), "/account/security")

    response = submit(client, form, code="000000")

    assert response.status_code == 422
    assert "That code is not right" in text_of(parse(response).select_one("#error-code"))
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_staff_whose_role_needs_no_second_factor_go_on_without_one(client: TestClient, world: World) -> None:
    browse_as(client, world.users["viewer_a"])
    assert client.get(f"/trust/{world.trust_a}").status_code == 200


def test_leads_must_have_one_when_the_setting_names_them(migrated: Settings) -> None:
    with TestClient(build_app(migrated.model_copy(update={"require_mfa_for": "admin,lead"}))) as client:
        world = make_world(app_state(client).engine)
        browse_as(client, world.users["lead_a"])
        response = client.get(f"/trust/{world.trust_a}", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/account/security?required=1")


def test_an_api_token_made_on_the_command_line_is_not_asked_for_one(client: TestClient, world: World) -> None:
    without_second_factor(client, world.users["admin"])
    client.cookies.clear()
    response = client.get("/api/trusts", headers={"Authorization": f"Bearer {world.tokens['admin']}"})
    assert response.status_code == 200


def test_signing_in_asks_for_the_code_after_the_password(client: TestClient, world: World) -> None:
    after_password = sign_in(client, "admin@example.org")

    assert location(after_password) == "/login/second-factor?next=%2Ftrust"
    assert sessions_of(client, world.users["admin"]) == 0
    assert client.get("/admin", follow_redirects=False).headers["location"].startswith("/login")

    signed_in = give_code(client, pyotp.TOTP(ADMIN_TOTP_SECRET).now())

    assert location(signed_in) == "/trust"
    assert client.get("/admin").status_code == 200


def test_a_wrong_code_signs_no_one_in_and_too_many_are_throttled(migrated: Settings) -> None:
    with TestClient(build_app(migrated.model_copy(update={"login_failure_limit": 3}))) as client:
        world = make_world(app_state(client).engine)
        location(sign_in(client, "admin@example.org"))
        answers = [give_code(client, "123456").status_code for _ in range(4)]
        right_code_too_late = give_code(client, pyotp.TOTP(ADMIN_TOTP_SECRET).now())
        sessions = sessions_of(client, world.users["admin"])
    assert answers == [401, 401, 401, 429]
    assert right_code_too_late.status_code == 429
    assert sessions == 0


def test_a_recovery_code_signs_in_once(client: TestClient, world: World) -> None:
    admin = world.users["admin"]
    without_second_factor(client, admin)
    browse_as(client, admin)
    code = set_up(client)[0]

    location(sign_in(client, "admin@example.org"))
    assert location(give_code(client, code.upper())) == "/trust"

    location(sign_in(client, "admin@example.org"))
    assert give_code(client, code).status_code == 401


def test_the_code_page_without_a_right_password_first_goes_back_to_sign_in(
    client: TestClient, world: World
) -> None:
    client.cookies.set(SECOND_FACTOR_COOKIE, f"{world.users['admin']}.forged.signature")
    response = client.get("/login/second-factor", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login")


def test_an_admin_resets_a_persons_second_factor_signing_them_out_and_it_is_audited(
    client: TestClient, world: World
) -> None:
    viewer = world.users["viewer_a"]
    browse_as(client, viewer)
    set_up(client)
    browse_as(client, world.users["admin"])
    page = get_page(client, f"/admin/users/{viewer}")

    response = submit(client, find_form(page, f"/admin/users/{viewer}/second-factor/reset"))

    assert location(response) == f"/admin/users/{viewer}?saved=1"
    assert sessions_of(client, viewer) == 0
    with read_session(app_state(client).engine) as db:
        user = db.get(User, viewer)
        assert user is not None and user.mfa_enabled_at is None and user.totp_secret is None
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "mfa.reset"))
        assert (
            event is not None
            and event.target == f"user {viewer}"
            and event.actor_email == "admin@example.org"
        )


def test_a_code_signs_in_once_even_within_its_thirty_seconds(client: TestClient, world: World) -> None:
    code = pyotp.TOTP(ADMIN_TOTP_SECRET).now()
    location(sign_in(client, "admin@example.org"))
    assert location(give_code(client, code)) == "/trust"

    location(sign_in(client, "admin@example.org"))
    replayed = give_code(client, code)

    assert replayed.status_code == 401
    assert sessions_of(client, world.users["admin"]) == 1
