"""Who is asking: staff signed in with a session cookie, or calling the API with a personal token.

A session cookie carries a random secret, signed with the installation's key; the database keeps only the
secret's hash, with the session's start and last use, so sign-out, expiry (30 minutes idle, 12 hours in all)
and disabling an account take effect on the very next request. An ``Authorization: Bearer`` token, when
present, is the only credential looked at: a request never mixes a token with a cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from itsdangerous import BadSignature, Signer
from sqlalchemy import bindparam, delete, select, update
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


def session_expired(
    *, created_at: datetime, last_seen_at: datetime, settings: Settings, now: datetime
) -> bool:
    idle = now - last_seen_at > timedelta(minutes=settings.session_idle_minutes)
    too_old = now - created_at > timedelta(hours=settings.session_max_hours)
    return idle or too_old


def staff_from_session(state: AppState, secret: str, *, now: datetime | None = None) -> Staff | None:
    """The staff member whose live session this is; an expired session is deleted and gives None."""
    now = now or utcnow()
    with read_session(state.engine) as db:
        rows = db.connection().execute(_STAFF_BY_SESSION, {"hash": secret_hash(secret)}).all()
    if not rows:
        return None
    session_id, created_at, last_seen_at = rows[0][:3]
    staff = _staff_of([row[3:] for row in rows], via="session")
    expired = staff is None or session_expired(
        created_at=created_at, last_seen_at=last_seen_at, settings=state.settings, now=now
    )
    if expired:
        with write_session(state.engine) as db:
            db.execute(delete(StaffSession).where(StaffSession.id == session_id))  # type: ignore[arg-type]
        return None
    if now - last_seen_at > _TOUCH_AFTER:
        with write_session(state.engine) as db:
            db.execute(update(StaffSession).where(StaffSession.id == session_id).values(last_seen_at=now))  # type: ignore[arg-type]
    return staff


def staff_from_token(state: AppState, token: str) -> Staff | None:
    with read_session(state.engine) as db:
        rows = db.connection().execute(_STAFF_BY_TOKEN, {"hash": secret_hash(token)}).all()
    return _staff_of(rows, via="token")


def _staff_of(rows: Sequence[Sequence[Any]], *, via: Literal["session", "token"]) -> Staff | None:
    """A user's rows of (id, email, is_admin, is_active, trust_id, role), one per membership (or one with no
    trust), as `Staff`; None for no rows or a disabled account."""
    if not rows:
        return None
    user_id, email, is_admin, is_active = rows[0][:4]
    if not is_active:
        return None
    roles = {trust_id: Role(role) for *_, trust_id, role in rows if trust_id is not None}
    return Staff(user_id=user_id, email=email, is_admin=is_admin, roles=roles, via=via)


# Every request of signed-in staff runs one of these: one query each, built once, as plain Core.
_USERS, _MEMBERSHIPS = User.__table__, Membership.__table__  # type: ignore[attr-defined]
_SESSIONS, _TOKENS = StaffSession.__table__, ApiToken.__table__  # type: ignore[attr-defined]
_USER_WITH_ROLES = (
    _USERS.c.id,
    _USERS.c.email,
    _USERS.c.is_admin,
    _USERS.c.is_active,
    _MEMBERSHIPS.c.trust_id,
    _MEMBERSHIPS.c.role,
)
_WITH_ROLES = _USERS.outerjoin(_MEMBERSHIPS, _MEMBERSHIPS.c.user_id == _USERS.c.id)
_STAFF_BY_SESSION = (
    select(_SESSIONS.c.id, _SESSIONS.c.created_at, _SESSIONS.c.last_seen_at, *_USER_WITH_ROLES)
    .select_from(_SESSIONS.join(_WITH_ROLES, _USERS.c.id == _SESSIONS.c.user_id))
    .where(_SESSIONS.c.secret_hash == bindparam("hash"))
)
_STAFF_BY_TOKEN = (
    select(*_USER_WITH_ROLES)
    .select_from(_TOKENS.join(_WITH_ROLES, _USERS.c.id == _TOKENS.c.user_id))
    .where(_TOKENS.c.token_hash == bindparam("hash"))
)


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
