"""Who is asking: staff signed in with a session cookie, or calling the API with a personal token.

A session cookie carries a random secret, signed with the installation's key; the database keeps only the
secret's hash, with the session's start and last use, so sign-out, expiry (30 minutes idle, 12 hours in all)
and disabling an account take effect on the very next request. An ``Authorization: Bearer`` token, when
present, is the only credential looked at: a request never mixes a token with a cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from itsdangerous import BadSignature, Signer
from sqlalchemy import delete, select, update
from sqlmodel import Session

from app.config import Settings
from app.database import read_session, write_session
from app.errors import Forbidden, NotAuthenticated
from app.state import AppState, get_state
from app.tables import ApiToken, Membership, Role, StaffSession, User, utcnow

SESSION_COOKIE = "rainbow_session"
#: An anonymous respondent's token, set when they join a session (see app.store.responses).
PARTICIPANT_COOKIE = "rainbow_participant"
TOKEN_PREFIX = "rbw_"
# Writing "last seen" on every request would make every page a write; a minute's precision is plenty
# for a 30-minute idle timeout.
_TOUCH_AFTER = timedelta(seconds=60)


@dataclass(frozen=True)
class Staff:
    """A signed-in member of staff, with their role in each trust they belong to."""

    user_id: int
    email: str
    is_admin: bool
    roles: Mapping[int, Role] = field(default_factory=dict)
    via: Literal["session", "token"] = "session"

    def role_in(self, trust_id: int) -> Role | None:
        return self.roles.get(trust_id)

    @property
    def can_facilitate(self) -> bool:
        """Whether they may run focus groups somewhere: a lead or facilitator of a trust, or an admin."""
        return self.is_admin or any(role in (Role.LEAD, Role.FACILITATOR) for role in self.roles.values())


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def session_signer(key: bytes) -> Signer:
    return Signer(key, salt="rainbow.staff-session")


def session_secret_from_cookie(key: bytes, cookie: str | None) -> str | None:
    """The session secret inside a signed cookie, or None when the cookie is absent or forged."""
    if not cookie:
        return None
    try:
        return session_signer(key).unsign(cookie).decode()
    except BadSignature:
        return None


# --- sessions and tokens (store functions) ---------------------------------------------------------------


def start_session(db: Session, *, user_id: int) -> str:
    """Open a session for a user who has just proved who they are; returns the secret for the cookie."""
    secret = secrets.token_urlsafe(32)
    db.add(StaffSession(secret_hash=secret_hash(secret), user_id=user_id))
    return secret


def end_session(db: Session, *, secret: str) -> None:
    db.execute(delete(StaffSession).where(StaffSession.secret_hash == secret_hash(secret)))  # type: ignore[arg-type]


def end_all_sessions(db: Session, *, user_id: int) -> None:
    db.execute(delete(StaffSession).where(StaffSession.user_id == user_id))  # type: ignore[arg-type]


def create_api_token(db: Session, *, user_id: int) -> str:
    """A new personal API token for the user. Only its hash is stored: this is the one chance to show it."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.add(ApiToken(token_hash=secret_hash(token), user_id=user_id))
    return token


def staff_for_user(db: Session, user: User, *, via: Literal["session", "token"]) -> Staff:
    memberships = db.scalars(select(Membership).where(Membership.user_id == user.id)).all()
    assert user.id is not None
    return Staff(
        user_id=user.id,
        email=user.email,
        is_admin=user.is_admin,
        roles={m.trust_id: Role(m.role) for m in memberships},
        via=via,
    )


def session_expired(session: StaffSession, settings: Settings, now: datetime) -> bool:
    idle = now - session.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
    too_old = now - session.created_at > timedelta(hours=settings.session_max_hours)
    return idle or too_old


def staff_from_session(state: AppState, secret: str, *, now: datetime | None = None) -> Staff | None:
    """The staff member whose live session this is; an expired session is deleted and gives None."""
    now = now or utcnow()
    with read_session(state.engine) as db:
        row = db.execute(
            select(StaffSession, User)
            .join(User, User.id == StaffSession.user_id)  # type: ignore[arg-type]
            .where(StaffSession.secret_hash == secret_hash(secret))
        ).first()
        if row is None:
            return None
        session, user = row
        expired = session_expired(session, state.settings, now) or not user.is_active
        staff = None if expired else staff_for_user(db, user, via="session")
        stale = now - session.last_seen_at > _TOUCH_AFTER
        session_id = session.id
    if expired:
        with write_session(state.engine) as db:
            db.execute(delete(StaffSession).where(StaffSession.id == session_id))  # type: ignore[arg-type]
    elif stale:
        with write_session(state.engine) as db:
            db.execute(update(StaffSession).where(StaffSession.id == session_id).values(last_seen_at=now))  # type: ignore[arg-type]
    return staff


def staff_from_token(state: AppState, token: str) -> Staff | None:
    with read_session(state.engine) as db:
        row = db.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)  # type: ignore[arg-type]
            .where(ApiToken.token_hash == secret_hash(token))
        ).first()
        if row is None or not row[1].is_active:
            return None
        return staff_for_user(db, row[1], via="token")


# --- dependencies ----------------------------------------------------------------------------------------


def bearer_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


# Declares the bearer scheme in the OpenAPI document; the header itself is read by `bearer_token`.
_bearer_scheme = HTTPBearer(auto_error=False, description="A personal API token from `rainbow create-token`")


def optional_staff(
    request: Request,
    state: Annotated[AppState, Depends(get_state)],
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)] = None,
) -> Staff | None:
    """The signed-in staff member, if any (worked out once per request)."""
    if hasattr(request.state, "staff"):
        cached: Staff | None = request.state.staff
        return cached
    token = bearer_token(request)
    if token is not None:
        staff = staff_from_token(state, token)
    else:
        secret = session_secret_from_cookie(state.secret_key, request.cookies.get(SESSION_COOKIE))
        staff = staff_from_session(state, secret) if secret else None
    request.state.staff = staff
    return staff


async def require_staff(staff: Annotated[Staff | None, Depends(optional_staff)], request: Request) -> Staff:
    """:raises NotAuthenticated: for anyone not signed in (a bad token is the same as none)."""
    if staff is None:
        if bearer_token(request) is not None:
            raise NotAuthenticated("That API token is not valid.", headers={"WWW-Authenticate": "Bearer"})
        raise NotAuthenticated("Please sign in.", headers={"WWW-Authenticate": "Bearer"})
    return staff


async def require_admin(staff: Annotated[Staff, Depends(require_staff)]) -> Staff:
    """:raises Forbidden: for staff who are not site administrators."""
    if not staff.is_admin:
        raise Forbidden("Only site administrators can do this.")
    return staff


StaffUser = Annotated[Staff, Depends(require_staff)]
AdminUser = Annotated[Staff, Depends(require_admin)]
MaybeStaff = Annotated[Staff | None, Depends(optional_staff)]
