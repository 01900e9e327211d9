"""Tables of staff identity: single-use links (invitations and password resets) and recovery codes.

Only hashes of the secrets are stored: an invitation's or reset's token, a recovery code. The link records
how its email went (`delivery`), so an administrator sees a failure.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from app.db.columns import UTCDateTime, owner, timestamp


class AccountLink(SQLModel, table=True):
    """A single-use link sent by email: an invitation to set a first password, or a password reset."""

    __tablename__ = "account_links"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = owner("users.id")
    purpose: str = Field(sa_column=Column(String(20), nullable=False))  # "invitation" or "reset"
    created_by_id: int | None = owner("users.id", nullable=True, on_delete="SET NULL")
    created_at: datetime = timestamp()
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # "queued", "sent", "logged" (no SMTP server configured) or "failed: <reason>"
    delivery: str = Field(default="queued", max_length=300)


class RecoveryCode(SQLModel, table=True):
    """One of a person's ten one-time recovery codes for their second factor, hashed."""

    __tablename__ = "recovery_codes"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = owner("users.id")
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
