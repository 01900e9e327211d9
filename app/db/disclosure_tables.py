"""The disclosure ledger's tables (design.md section 3a): what each publication of a round and each room's
reveal showed, and the cross-trust positions, recomputed at most once a day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db.columns import owner, timestamp


class Disclosure(SQLModel, table=True):
    """A release of figures to staff, kept as the disclosure ledger (design.md section 3a): a publication of a
    round (its figures are what every output of the round shows) or a room's reveal of a focus group."""

    __tablename__ = "disclosures"
    __table_args__ = (
        UniqueConstraint("round_id", "number", name="uq_disclosure_round_number"),
        Index("ix_disclosures_round_kind", "round_id", "kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = owner("rounds.id")
    session_id: int | None = owner("focus_sessions.id", nullable=True)
    kind: str = Field(max_length=20, description="publication or reveal")
    number: int | None = Field(default=None, description="A publication's number in its round: 1, 2, ...")
    at: datetime = timestamp(index=True)
    actor_id: int | None = owner("users.id", nullable=True, on_delete="SET NULL")
    actor_email: str | None = Field(default=None, max_length=320)
    #: A publication includes the round's participants and sessions up to these ids: they were all closed.
    last_participant_id: int = 0
    last_session_id: int = 0


class DisclosedFigure(SQLModel, table=True):
    """One figure of a disclosure: what was shown (or why not), and how many raters it had."""

    __tablename__ = "disclosed_figures"
    __table_args__ = (Index("ix_disclosed_figures_disclosure_scope", "disclosure_id", "scope"),)

    id: int | None = Field(default=None, primary_key=True)
    disclosure_id: int = owner("disclosures.id")
    scope: str = Field(max_length=10, description="cell or statement")
    arc: str = Field(max_length=40)
    viewpoint: str = Field(max_length=20)
    item_code: str | None = Field(default=None, max_length=60)
    raters: int
    outcome: str = Field(max_length=12, description="new, earlier, too_few or difference")
    #: For an outcome of "earlier": the disclosure whose figure is shown again.
    shown_from_id: int | None = None
    rated_1: int | None = None
    rated_2: int | None = None
    rated_3: int | None = None
    rated_4: int | None = None
    rated_5: int | None = None
    dont_know: int | None = None
    not_applicable: int | None = None
    mean: float | None = None
    median: float | None = None
    spread: float | None = None
    #: Raters whose answers staff typed in or imported, and who did ("a@x (3); b@y (1)").
    staff_entered: int = 0
    entered_by: str | None = Field(default=None, max_length=2000)
    #: A reveal's answers by participant, {participant id: category}, for the k-difference rule later on.
    contributions: str | None = None


class DisclosedScore(SQLModel, table=True):
    """How many participants of a published cell have each arc score: what comparisons resample."""

    __tablename__ = "disclosed_scores"

    id: int | None = Field(default=None, primary_key=True)
    figure_id: int = owner("disclosed_figures.id")
    score_num: int
    score_den: int
    participants: int


class PeerPosition(SQLModel, table=True):
    """Where a trust's published arc scores sit among all trusts' of a year, in sixths; recomputed at most
    once a day, so that no one can probe the edges by publishing and deleting rounds."""

    __tablename__ = "peer_positions"
    __table_args__ = (UniqueConstraint("year", "trust_id", "arc", name="uq_peer_position"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    # No foreign key: a deleted trust's place stays until the next recomputation, like everyone else's.
    trust_id: int
    round_id: int = Field(description="The trust's round placed: its latest published round of the year")
    arc: str = Field(max_length=40)
    sixth: int | None = Field(
        default=None, description="1 (lowest sixth of trusts) to 6; None: too few trusts"
    )
    trusts: int = Field(default=0, description="Trusts with a published round of the year")
    computed_at: datetime = timestamp()
