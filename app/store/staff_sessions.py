"""Signed-in browsers and personal API tokens: stored as hashes of their secrets, looked up per request.

A session records when it started and was last used, so sign-out, expiry (idle and in all) and disabling an
account take effect on the very next request.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Engine, bindparam, delete, select, update
from sqlmodel import Session, col

from app.choices import Role
from app.db.columns import utcnow
from app.db.core import table
from app.db.engine import read_session, write_session
from app.db.tables import ApiToken, Membership, StaffSession, User
from app.identity import Staff, secret_hash

TOKEN_PREFIX = "rbw_"
# Writing "last seen" on every request would make every page a write; a minute's precision is plenty
# for a 30-minute idle timeout.
_TOUCH_AFTER = timedelta(seconds=60)


def start_session(db: Session, *, user_id: int) -> str:
    """Open a session for a user who has just proved who they are; returns the secret for the cookie."""
    secret = secrets.token_urlsafe(32)
    db.add(StaffSession(secret_hash=secret_hash(secret), user_id=user_id))
    return secret


def end_session(db: Session, *, secret: str) -> None:
    db.execute(delete(StaffSession).where(col(StaffSession.secret_hash) == secret_hash(secret)))


def end_all_sessions(db: Session, *, user_id: int) -> None:
    db.execute(delete(StaffSession).where(col(StaffSession.user_id) == user_id))


def end_other_sessions(db: Session, *, user_id: int, keep_secret: str | None) -> None:
    """End every session of the user but the one whose secret is `keep_secret` (None: end them all)."""
    query = delete(StaffSession).where(col(StaffSession.user_id) == user_id)
    if keep_secret is not None:
        query = query.where(col(StaffSession.secret_hash) != secret_hash(keep_secret))
    db.execute(query)


def create_api_token(db: Session, *, user_id: int) -> str:
    """A new personal API token for the user. Only its hash is stored: this is the one chance to show it."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.add(ApiToken(token_hash=secret_hash(token), user_id=user_id))
    return token


def session_expired(
    *, created_at: datetime, last_seen_at: datetime, idle: timedelta, lifetime: timedelta, now: datetime
) -> bool:
    return now - last_seen_at > idle or now - created_at > lifetime


def staff_from_session(
    engine: Engine, *, secret: str, idle: timedelta, lifetime: timedelta, now: datetime | None = None
) -> Staff | None:
    """The staff member whose live session this is; an expired session is deleted and gives None."""
    now = now or utcnow()
    with read_session(engine) as db:
        found = _session_with_staff(db, secret=secret)
    if found is None:
        return None
    session_id, created_at, last_seen_at, staff = found
    expired = staff is None or session_expired(
        created_at=created_at, last_seen_at=last_seen_at, idle=idle, lifetime=lifetime, now=now
    )
    if expired:
        with write_session(engine) as db:
            db.execute(delete(_SESSIONS).where(_SESSIONS.c.id == session_id))
        return None
    if now - last_seen_at > _TOUCH_AFTER:
        with write_session(engine) as db:
            db.execute(update(_SESSIONS).where(_SESSIONS.c.id == session_id).values(last_seen_at=now))
    return staff


def staff_of_fresh_sessions(
    db: Session,
    *,
    secrets: Collection[str],
    idle: timedelta,
    lifetime: timedelta,
    now: datetime | None = None,
) -> dict[str, Staff]:
    """As `staff_from_session` for many secrets in one statement, read in the caller's `db` and never writing:
    the staff member of each secret whose session is live and not due to be marked seen. The other secrets
    are left out (the caller asks `staff_from_session`, which ends or marks them)."""
    now = now or utcnow()
    by_hash = {secret_hash(secret): secret for secret in secrets}
    rows_by_hash: dict[str, list[Any]] = defaultdict(list)
    for row in db.connection().execute(_STAFF_BY_SESSIONS, {"hashes": list(by_hash)}):
        rows_by_hash[row.secret_hash].append(row)
    found: dict[str, Staff] = {}
    for hash_, rows in rows_by_hash.items():
        created_at, last_seen_at = rows[0].created_at, rows[0].last_seen_at
        due = now - last_seen_at > _TOUCH_AFTER or session_expired(
            created_at=created_at, last_seen_at=last_seen_at, idle=idle, lifetime=lifetime, now=now
        )
        staff = None if due else _staff_of([row[3:] for row in rows], via="session")
        if staff is not None:
            found[by_hash[hash_]] = staff
    return found


def _session_with_staff(db: Session, *, secret: str) -> tuple[int, datetime, datetime, Staff | None] | None:
    """The session with this secret (its id, start and last use) and its staff member (None when disabled)."""
    rows = db.connection().execute(_STAFF_BY_SESSION, {"hash": secret_hash(secret)}).all()
    if not rows:
        return None
    session_id, created_at, last_seen_at = rows[0][:3]
    return session_id, created_at, last_seen_at, _staff_of([row[3:] for row in rows], via="session")


def staff_from_token(engine: Engine, *, token: str) -> Staff | None:
    with read_session(engine) as db:
        return staff_of_token(db, token=token)


def staff_of_token(db: Session, *, token: str) -> Staff | None:
    """The owner of a personal API token, read in the caller's `db`; None for an unknown token. (Every API
    request asks this: a statement of its own, without the list `staff_of_tokens` expands.)"""
    rows = db.connection().execute(_STAFF_BY_TOKEN, {"hash": secret_hash(token)}).all()
    return _staff_of(rows, via="token")


def staff_of_tokens(db: Session, *, tokens: Collection[str]) -> dict[str, Staff]:
    """The owners of personal API tokens, in one statement; unknown tokens (and disabled owners) left out."""
    by_hash = {secret_hash(token): token for token in tokens}
    rows_by_hash: dict[str, list[Any]] = defaultdict(list)
    for row in db.connection().execute(_STAFF_BY_TOKENS, {"hashes": list(by_hash)}):
        rows_by_hash[row.token_hash].append(row)
    found = {
        by_hash[hash_]: _staff_of([row[1:] for row in rows], via="token")
        for hash_, rows in rows_by_hash.items()
    }
    return {token: staff for token, staff in found.items() if staff is not None}


def _staff_of(rows: Sequence[Sequence[Any]], *, via: Literal["session", "token"]) -> Staff | None:
    """A user's rows of (id, email, is_admin, is_active, mfa_enabled_at, trust_id, role), one per membership
    (or one with no trust), as `Staff`; None for no rows or a disabled account."""
    if not rows:
        return None
    user_id, email, is_admin, is_active, mfa_enabled_at = rows[0][:5]
    if not is_active:
        return None
    roles = {trust_id: Role(role) for *_, trust_id, role in rows if trust_id is not None}
    mfa = mfa_enabled_at is not None
    return Staff(user_id=user_id, email=email, is_admin=is_admin, roles=roles, via=via, mfa=mfa)


# Every request of signed-in staff runs one of these: Core statements on the tables, built once, because
# building a statement costs more than running it. (Ending an expired session and marking one seen, in
# `staff_from_session`, are Core on the table too: they run on that request path, with no ORM object to keep
# in step.)
_USERS, _MEMBERSHIPS = table(User), table(Membership)
_SESSIONS, _TOKENS = table(StaffSession), table(ApiToken)
_USER_WITH_ROLES = (
    _USERS.c.id,
    _USERS.c.email,
    _USERS.c.is_admin,
    _USERS.c.is_active,
    _USERS.c.mfa_enabled_at,
    _MEMBERSHIPS.c.trust_id,
    _MEMBERSHIPS.c.role,
)
_WITH_ROLES = _USERS.outerjoin(_MEMBERSHIPS, _MEMBERSHIPS.c.user_id == _USERS.c.id)
_STAFF_BY_SESSION = (
    select(_SESSIONS.c.id, _SESSIONS.c.created_at, _SESSIONS.c.last_seen_at, *_USER_WITH_ROLES)
    .select_from(_SESSIONS.join(_WITH_ROLES, _USERS.c.id == _SESSIONS.c.user_id))
    .where(_SESSIONS.c.secret_hash == bindparam("hash"))
)
_STAFF_BY_SESSIONS = (
    select(_SESSIONS.c.secret_hash, _SESSIONS.c.created_at, _SESSIONS.c.last_seen_at, *_USER_WITH_ROLES)
    .select_from(_SESSIONS.join(_WITH_ROLES, _USERS.c.id == _SESSIONS.c.user_id))
    .where(_SESSIONS.c.secret_hash.in_(bindparam("hashes", expanding=True)))
)
_STAFF_BY_TOKEN = (
    select(*_USER_WITH_ROLES)
    .select_from(_TOKENS.join(_WITH_ROLES, _USERS.c.id == _TOKENS.c.user_id))
    .where(_TOKENS.c.token_hash == bindparam("hash"))
)
_STAFF_BY_TOKENS = (
    select(_TOKENS.c.token_hash, *_USER_WITH_ROLES)
    .select_from(_TOKENS.join(_WITH_ROLES, _USERS.c.id == _TOKENS.c.user_id))
    .where(_TOKENS.c.token_hash.in_(bindparam("hashes", expanding=True)))
)
