"""The database tables. Each has an Alembic migration; a test checks the two agree.

Staff are people with accounts (`User`), who belong to trusts (`Membership`) with a role. Everything a trust
owns hangs off `Trust` with ``ON DELETE CASCADE``, so deleting a round or a trust deletes everything under it.
Nothing here identifies a respondent: no names, emails, addresses or device ids.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.choices import ActionStatus, Role, RoundStatus, SessionState, SupportKind
from app.db.columns import UTCDateTime, enum_column, owner, timestamp


class Trust(SQLModel, table=True):
    __tablename__ = "trusts"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    created_at: datetime = timestamp()


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    # None until the person sets one (an invitation not yet taken up, or single sign-on only)
    password_hash: str | None = Field(default=None, max_length=255)
    is_admin: bool = False
    is_active: bool = True
    created_at: datetime = timestamp()
    # The TOTP secret (base32); second factor in use once `mfa_enabled_at` is set
    totp_secret: str | None = Field(default=None, max_length=64)
    mfa_enabled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # The TOTP time step last signed in with: a code works once, even within its 30 seconds
    totp_last_step: int | None = None


class Membership(SQLModel, table=True):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "trust_id", name="uq_membership_user_trust"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = owner("users.id")
    trust_id: int = owner("trusts.id")
    role: Role = enum_column(Role)
    created_at: datetime = timestamp()


class StaffSession(SQLModel, table=True):
    """A signed-in browser. The cookie carries a secret; only its hash is stored here."""

    __tablename__ = "staff_sessions"

    id: int | None = Field(default=None, primary_key=True)
    secret_hash: str = Field(max_length=64, unique=True)
    user_id: int = owner("users.id")
    created_at: datetime = timestamp()
    last_seen_at: datetime = timestamp()


class ApiToken(SQLModel, table=True):
    """A personal API token; only its hash is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = owner("users.id")
    created_at: datetime = timestamp()
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class Round(SQLModel, table=True):
    """One assessment by one trust (e.g. "2009 baseline"), pinned to the framework version it used."""

    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("trust_id", "name", name="uq_round_trust_name"),)

    id: int | None = Field(default=None, primary_key=True)
    trust_id: int = owner("trusts.id")
    name: str = Field(max_length=120)
    period_start: date | None = None
    period_end: date | None = None
    framework_version: str = Field(max_length=40)
    status: RoundStatus = enum_column(RoundStatus, RoundStatus.OPEN)
    # Moves on when targets change; with the round's latest publication it names the round's charts.
    scores_version: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    created_by_id: int | None = owner("users.id", nullable=True, on_delete="SET NULL")
    created_at: datetime = timestamp()


class AuditEvent(SQLModel, table=True):
    """A staff action worth answering for later. Never holds passwords, tokens or answers."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_trust_at", "trust_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp(index=True)
    actor_id: int | None = owner("users.id", nullable=True, on_delete="SET NULL")
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
    at: datetime = timestamp()


class FocusSession(SQLModel, table=True):
    """A focus group in a round: one viewpoint, one or more arcs, a facilitator and a join code."""

    __tablename__ = "focus_sessions"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = owner("rounds.id")
    trust_id: int = owner("trusts.id")  # the round's trust, kept here so access checks need no join
    facilitator_id: int | None = owner("users.id", nullable=True, on_delete="SET NULL")
    viewpoint: str = Field(max_length=20)
    arcs: str = Field(max_length=200, description="Arc keys in framework order, comma-separated")
    title: str = Field(max_length=200)
    place: str | None = Field(default=None, max_length=200)
    starts_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    state: SessionState = enum_column(SessionState, SessionState.DRAFT)
    # Unique among sessions that still have one; cleared when the session closes.
    join_code: str | None = Field(default=None, max_length=12, unique=True)
    #: The code it had before it closed: someone typing it is told the session has finished.
    retired_code: str | None = Field(default=None, max_length=12, index=True)
    children_comments: bool = False
    results_revealed: bool = False
    #: The statement the room screen shows once the answers are revealed (0 = the session's first).
    screen_position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = timestamp()

    @property
    def arc_keys(self) -> list[str]:
        return self.arcs.split(",") if self.arcs else []


class Participant(SQLModel, table=True):
    """One anonymous respondent in one session. Nothing here says who they are: no name, email, address
    or device id; the token that lets their browser or tablet go on answering is stored only as a hash."""

    __tablename__ = "participants"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = owner("focus_sessions.id")
    token_hash: str = Field(max_length=64, unique=True)
    joined_at: datetime = timestamp()
    last_seen_at: datetime = timestamp()
    submitted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    #: When their tablet was handed on (or went idle) before they submitted: they left without submitting.
    left_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    sector: str | None = Field(default=None, max_length=40)
    role_level: str | None = Field(default=None, max_length=20)
    age_band: str | None = Field(default=None, max_length=20)
    assisted: bool | None = None
    source: str = Field(default="device", max_length=10, description="device, paper or import")
    #: Who typed in (paper) or imported this participant's answers: they know them (design.md section 3a).
    entered_by_id: int | None = owner("users.id", nullable=True, on_delete="SET NULL")
    #: The hash of the offline join pass that brought this participant in, when a tablet made them offline
    #: (`app.services.offline`): how many people one pass has brought in is capped.
    join_pass: str | None = Field(default=None, max_length=64, index=True)


class TabletOutbox(SQLModel, table=True):
    """How many answers a tablet last said it still holds for a session (its offline outbox), so the room can
    count answers "waiting on tablets". A tablet is known only by the hash of its random join pass, which is
    bound to one session and expires with it: no device id."""

    __tablename__ = "tablet_outboxes"

    join_pass: str = Field(max_length=64, primary_key=True)
    session_id: int = owner("focus_sessions.id")
    waiting: int = Field(default=0, ge=0)
    reported_at: datetime = timestamp()


class Answer(SQLModel, table=True):
    """A participant's answer to one statement: a rating 1-5, or don't know, or not applicable."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("participant_id", "item_code", name="uq_answer_participant_item"),)

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = owner("participants.id")
    item_code: str = Field(max_length=60, index=True)
    rating: int | None = Field(default=None, ge=1, le=5)
    kind: str = Field(max_length=10, description="rating, dk or na")
    comment: str | None = Field(default=None, max_length=2000)
    updated_at: datetime = timestamp()


class IdempotentRequest(SQLModel, table=True):
    """A submission already answered, so a retry with the same key gets the same answer and stores nothing."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("participant_id", "key", name="uq_idempotent_participant_key"),)

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = owner("participants.id")
    key: str = Field(max_length=200)
    body_hash: str = Field(max_length=64)
    response: str = Field(max_length=2000)
    created_at: datetime = timestamp()


class Consensus(SQLModel, table=True):
    """The group's agreed rating of a statement, with the evidence discussed, recorded by the facilitator."""

    __tablename__ = "consensus"
    __table_args__ = (UniqueConstraint("session_id", "item_code", name="uq_consensus_session_item"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = owner("focus_sessions.id")
    item_code: str = Field(max_length=60)
    rating: int | None = Field(default=None, ge=1, le=5)
    notes: str | None = Field(default=None, max_length=5000)
    updated_by_id: int | None = owner("users.id", nullable=True, on_delete="SET NULL")
    updated_at: datetime = timestamp()


#: The viewpoint column of a target for the arc as a whole.
WHOLE_ARC = "all"


class Target(SQLModel, table=True):
    """The level (1 to 5) a trust wants an arc to reach in a round: as a whole, or from one viewpoint."""

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("round_id", "arc", "viewpoint", name="uq_target_round_arc_viewpoint"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = owner("rounds.id")
    arc: str = Field(max_length=40)
    viewpoint: str = Field(default=WHOLE_ARC, max_length=20, description=f"a viewpoint key, or '{WHOLE_ARC}'")
    level: float
    updated_at: datetime = timestamp()


class Action(SQLModel, table=True):
    """One row of a trust's action plan: what it will do about one or more arcs, by when, led by whom."""

    __tablename__ = "actions"

    id: int | None = Field(default=None, primary_key=True)
    trust_id: int = owner("trusts.id")
    title: str = Field(max_length=200)
    arcs: str = Field(max_length=200, description="Arc keys in framework order, comma-separated")
    outcomes: str | None = Field(default=None, max_length=2000)
    timescale: str | None = Field(default=None, max_length=100)
    due: date | None = None
    lead_officer: str | None = Field(default=None, max_length=200)
    resources: str | None = Field(default=None, max_length=500)
    status: ActionStatus = enum_column(ActionStatus, ActionStatus.NOT_STARTED)
    position: int = Field(default=0, description="Order in the plan, smallest first")
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()

    @property
    def arc_keys(self) -> list[str]:
        return self.arcs.split(",") if self.arcs else []


class SupportNeed(SQLModel, table=True):
    """Help a trust needs on an arc in a round: its kind and, in the trust's words, what."""

    __tablename__ = "support_needs"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = owner("rounds.id")
    arc: str = Field(max_length=40)
    kind: SupportKind = enum_column(SupportKind)
    description: str = Field(max_length=2000)
    created_at: datetime = timestamp()
