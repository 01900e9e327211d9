"""Assessment rounds: one trust, one period, one framework version (e.g. "2009 baseline")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from pydantic import BaseModel, ValidationInfo, field_validator
from sqlalchemy import delete, select
from sqlmodel import Session

from app import audit
from app.auth import Staff
from app.errors import Conflict, Invalid, NotFound
from app.permissions import ANY_MEMBER, check_trust_access
from app.store.validation import INPUT_MODEL_CONFIG, IsoDate, RoundName
from app.tables import Role, Round, RoundStatus, Trust


class RoundCreate(BaseModel):
    model_config = INPUT_MODEL_CONFIG

    name: RoundName
    period_start: IsoDate | None = None
    period_end: IsoDate | None = None

    @field_validator("period_end")
    @classmethod
    def _period_in_order(cls, period_end: date | None, info: ValidationInfo) -> date | None:
        period_start = info.data.get("period_start")
        if period_start and period_end and period_end < period_start:
            raise ValueError("must not be before the start of the period")
        return period_end


class RoundPublic(BaseModel):
    id: int
    trust_id: int
    name: str
    period_start: date | None
    period_end: date | None
    framework_version: str
    status: RoundStatus
    created_at: datetime


def create_round(
    db: Session, *, actor: Staff, trust_id: int, round_in: RoundCreate, framework_version: str
) -> Round:
    """A new open round in `trust_id`, pinned to `framework_version`.

    :raises Conflict: when the trust already has a round of that name.
    """
    if db.scalar(select(Round).where(Round.trust_id == trust_id, Round.name == round_in.name)) is not None:
        raise Conflict(f"This trust already has a round called {round_in.name!r}.")
    db_round = Round(
        trust_id=trust_id,
        name=round_in.name,
        period_start=round_in.period_start,
        period_end=round_in.period_end,
        framework_version=framework_version,
        created_by_id=actor.user_id,
    )
    db.add(db_round)
    db.flush()
    audit.record(db, action="round.create", actor=actor, trust_id=trust_id, target=f"round {db_round.id}")
    return db_round


def rounds_of(db: Session, *, trust_id: int) -> Sequence[Round]:
    return db.scalars(
        select(Round).where(Round.trust_id == trust_id).order_by(Round.created_at.desc(), Round.id.desc())  # type: ignore[attr-defined]
    ).all()


def get_round_for_staff(db: Session, *, staff: Staff, round_id: int, roles: frozenset[Role]) -> Round:
    """:raises NotFound: unknown round, or one in another trust; :raises Forbidden: role too low."""
    db_round = db.get(Round, round_id)
    if db_round is None:
        raise NotFound("There is no round with that id.")
    check_trust_access(staff, db_round.trust_id, roles=roles, what="round")
    return db_round


def get_round_and_baseline(
    db: Session, *, staff: Staff, round_id: int, baseline_id: int | None, field: str = "baseline"
) -> tuple[Round, Trust, Round | None]:
    """A round, its trust and, when asked, a baseline round of the same trust, all readable by `staff`.

    :raises NotFound: an unknown round or baseline, one in another trust; :raises Invalid: the round as its
        own baseline (naming `field`).
    """
    db_round = get_round_for_staff(db, staff=staff, round_id=round_id, roles=ANY_MEMBER)
    trust = db.get(Trust, db_round.trust_id)
    assert trust is not None
    baseline = None
    if baseline_id is not None:
        baseline = get_round_for_staff(db, staff=staff, round_id=baseline_id, roles=ANY_MEMBER)
        if baseline.trust_id != db_round.trust_id:
            raise NotFound("There is no round with that id in this trust to compare with.")
        if baseline.id == db_round.id:
            raise Invalid(field, "choose another round of the trust as the baseline, not the round itself")
    return db_round, trust, baseline


def delete_round(db: Session, *, actor: Staff, db_round: Round) -> None:
    """Delete the round and, through the database's cascades, everything recorded under it."""
    db.execute(delete(Round).where(Round.id == db_round.id))  # type: ignore[arg-type]
    audit.record(
        db,
        action="round.delete",
        actor=actor,
        trust_id=db_round.trust_id,
        target=f"round {db_round.id}",
        detail=f"name {db_round.name!r}",
    )
