"""The database tables. Each has an Alembic migration; a test checks the two agree.

Staff are people with accounts (`User`), who belong to trusts (`Membership`) with a role. Everything a trust
owns hangs off `Trust` with ``ON DELETE CASCADE``, so deleting a round or a trust deletes everything under it.
Nothing here identifies a respondent: no names, emails, addresses or device ids.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the engine stores."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _timestamp(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, **kwargs))


def _owner(target: str, *, nullable: bool = False, on_delete: str = "CASCADE") -> Any:
    return Field(
        default=None if nullable else ...,
        sa_column=Column(Integer, ForeignKey(target, ondelete=on_delete), nullable=nullable, index=True),
    )


class Role(StrEnum):
    """What a member of a trust may do there: leads run assessments, facilitators run focus groups."""

    LEAD = "lead"
    FACILITATOR = "facilitator"
    VIEWER = "viewer"


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Trust(SQLModel, table=True):
    __tablename__ = "trusts"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    created_at: datetime = _timestamp()


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    password_hash: str = Field(max_length=255)
    is_admin: bool = False
    is_active: bool = True
    created_at: datetime = _timestamp()


class Membership(SQLModel, table=True):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "trust_id", name="uq_membership_user_trust"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _owner("users.id")
    trust_id: int = _owner("trusts.id")
    role: Role = Field(sa_column=Column(String(20), nullable=False))
    created_at: datetime = _timestamp()


class StaffSession(SQLModel, table=True):
    """A signed-in browser. The cookie carries a secret; only its hash is stored here."""

    __tablename__ = "staff_sessions"

    id: int | None = Field(default=None, primary_key=True)
    secret_hash: str = Field(max_length=64, unique=True)
    user_id: int = _owner("users.id")
    created_at: datetime = _timestamp()
    last_seen_at: datetime = _timestamp()


class ApiToken(SQLModel, table=True):
    """A personal API token; only its hash is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = _owner("users.id")
    created_at: datetime = _timestamp()
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class Round(SQLModel, table=True):
    """One assessment by one trust (e.g. "2009 baseline"), pinned to the framework version it used."""

    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("trust_id", "name", name="uq_round_trust_name"),)

    id: int | None = Field(default=None, primary_key=True)
    trust_id: int = _owner("trusts.id")
    name: str = Field(max_length=120)
    period_start: date | None = None
    period_end: date | None = None
    framework_version: str = Field(max_length=40)
    status: RoundStatus = Field(default=RoundStatus.OPEN, sa_column=Column(String(20), nullable=False))
    created_by_id: int | None = _owner("users.id", nullable=True, on_delete="SET NULL")
    created_at: datetime = _timestamp()


class AuditEvent(SQLModel, table=True):
    """A staff action worth answering for later. Never holds passwords, tokens or answers."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_trust_at", "trust_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _timestamp(index=True)
    actor_id: int | None = _owner("users.id", nullable=True, on_delete="SET NULL")
    actor_email: str | None = Field(default=None, max_length=320)
    # No foreign key: the record of a deleted trust's events outlives the trust.
    trust_id: int | None = None
    action: str = Field(max_length=60)
    target: str | None = Field(default=None, max_length=200)
    outcome: str = Field(max_length=20)
    detail: str | None = Field(default=None, max_length=500)


class ThrottleFailure(SQLModel, table=True):
    """One failed attempt, counted against a bucket (e.g. "login-account") and a key within it.

    Keys are keyed hashes, never raw email or network addresses; rows older than the window are deleted.
    """

    __tablename__ = "throttle_failures"
    __table_args__ = (Index("ix_throttle_bucket_key_at", "bucket", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    bucket: str = Field(max_length=40)
    key: str = Field(max_length=64)
    at: datetime = _timestamp()
