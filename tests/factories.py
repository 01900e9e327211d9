"""Test data made through the same store functions the app uses, and helpers to act as a given person."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.choices import Role, SessionState
from app.db.columns import utcnow
from app.db.engine import write_session
from app.db.tables import FocusSession, Membership, Round, Trust, User
from app.passwords import hash_password
from app.store.staff_sessions import create_api_token, start_session
from app.web.auth import SESSION_COOKIE, session_signer
from app.web.csrf import CSRF_COOKIE, CSRF_HEADER, expected_token
from app.web.state import AppState

PASSWORD = "correct horse battery staple"
ADMIN_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the world's admin's second factor
ROLES = ("anonymous", "admin", "lead_a", "facilitator_a", "viewer_a", "lead_b")


@cache
def password_hash() -> str:
    """One argon2 hash of PASSWORD, shared by every test user (hashing costs ~0.1 s each time)."""
    return hash_password(PASSWORD)


@dataclass
class World:
    """Two trusts, A and B, each with a round, and a person in every role of the route policy."""

    trust_a: int
    trust_b: int
    round_a: int
    round_b: int
    round_a_name: str
    round_a_next: int = 0  # a second round of trust A, where a test adds one with `add_round`
    extras: dict[str, int] = field(default_factory=dict)  # ids of whatever else a test adds
    session_a: int = 0
    session_a_code: str = ""
    users: dict[str, int] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


def make_world(engine: Engine) -> World:
    with write_session(engine) as db:
        trust_a, trust_b = Trust(name="Trust A"), Trust(name="Trust B")
        db.add_all([trust_a, trust_b])
        db.flush()
        assert trust_a.id is not None and trust_b.id is not None
        round_a = Round(trust_id=trust_a.id, name="2009 baseline", framework_version="2009.1")
        round_b = Round(trust_id=trust_b.id, name="2009 baseline", framework_version="2009.1")
        db.add_all([round_a, round_b])
        users: dict[str, int] = {}
        emails: dict[str, str] = {}
        for role_name in ROLES[1:]:
            email = f"{role_name.replace('_', '.')}@example.org"
            user = User(email=email, password_hash=password_hash(), is_admin=role_name == "admin")
            if (
                role_name == "admin"
            ):  # site administrators must have a second factor (RAINBOW_REQUIRE_MFA_FOR)
                user.totp_secret, user.mfa_enabled_at = ADMIN_TOTP_SECRET, utcnow()
            db.add(user)
            db.flush()
            assert user.id is not None
            users[role_name], emails[role_name] = user.id, email
            if role_name != "admin":
                role, trust = role_name.split("_")
                trust_id = trust_a.id if trust == "a" else trust_b.id
                db.add(Membership(user_id=user.id, trust_id=trust_id, role=Role(role)))
        tokens = {name: create_api_token(db, user_id=user_id) for name, user_id in users.items()}
        focus = FocusSession(
            round_id=round_a.id,
            trust_id=trust_a.id,
            facilitator_id=users["facilitator_a"],
            viewpoint="practitioner",
            arcs="orange,green",
            title="Practitioners, north locality",
            state=SessionState.OPEN,
            join_code="ABCDEFG",
        )
        db.add(focus)
        db.flush()
        assert round_a.id is not None and round_b.id is not None and focus.id is not None
        return World(
            session_a=focus.id,
            session_a_code="ABCDEFG",
            trust_a=trust_a.id,
            trust_b=trust_b.id,
            round_a=round_a.id,
            round_b=round_b.id,
            round_a_name=round_a.name,
            users=users,
            emails=emails,
            tokens=tokens,
        )


def add_round(engine: Engine, *, trust_id: int, name: str, period_start: date | None = None) -> int:
    with write_session(engine) as db:
        db_round = Round(trust_id=trust_id, name=name, framework_version="2009.1", period_start=period_start)
        db.add(db_round)
        db.flush()
        assert db_round.id is not None
        return db_round.id


def make_user(
    engine: Engine, email: str, *, admin: bool = False, trust_id: int | None = None, role: Role | None = None
) -> int:
    with write_session(engine) as db:
        user = User(email=email, password_hash=password_hash(), is_admin=admin)
        if admin:
            user.totp_secret, user.mfa_enabled_at = ADMIN_TOTP_SECRET, utcnow()
        db.add(user)
        db.flush()
        assert user.id is not None
        if trust_id is not None and role is not None:
            db.add(Membership(user_id=user.id, trust_id=trust_id, role=role))
        return user.id


def app_state(client: TestClient) -> AppState:
    state: AppState = client.app.state.rainbow  # type: ignore[attr-defined]
    return state


def browse_as(client: TestClient, user_id: int | None) -> dict[str, str]:
    """Give `client` the cookies of a browser signed in as `user_id` (or anonymous, for None).

    Returns the headers an htmx request from that browser sends (the CSRF token).
    """
    state = app_state(client)
    client.cookies.clear()
    csrf_cookie = secrets.token_urlsafe(32)
    client.cookies.set(CSRF_COOKIE, csrf_cookie)
    session_cookie = None
    if user_id is not None:
        with write_session(state.engine) as db:
            secret = start_session(db, user_id=user_id)
        session_cookie = session_signer(state.secret_key).sign(secret).decode()
        client.cookies.set(SESSION_COOKIE, session_cookie)
    return {CSRF_HEADER: expected_token(state.secret_key, csrf_cookie, session_cookie)}


def csrf_headers(client: TestClient) -> dict[str, str]:
    """The CSRF header for the cookies `client` holds now."""
    state = app_state(client)
    token = expected_token(
        state.secret_key, client.cookies.get(CSRF_COOKIE) or "", client.cookies.get(SESSION_COOKIE)
    )
    return {CSRF_HEADER: token}
