"""Targets: the level (1 to 5) a trust wants an arc to reach in a round, as a whole or from one viewpoint."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlmodel import Session, col

from app.db.columns import utcnow
from app.db.engine import upsert
from app.db.tables import WHOLE_ARC, Round, Target
from app.errors import Invalid, NotFound
from app.identity import Staff
from app.schemas.plans import TargetIn, TargetPublic
from app.store import audit
from app.store.rollups import bump_scores_version
from framework.model import Framework

TargetKey = tuple[str, str | None]  # (arc, viewpoint or None for the whole arc)


def public(target: Target) -> TargetPublic:
    assert target.id is not None
    viewpoint = None if target.viewpoint == WHOLE_ARC else target.viewpoint
    return TargetPublic(
        id=target.id, round_id=target.round_id, arc=target.arc, viewpoint=viewpoint, level=target.level
    )


def set_target(
    db: Session, *, actor: Staff, db_round: Round, target_in: TargetIn, framework: Framework
) -> tuple[Target, bool]:
    """Set (or replace) a target; returns it and whether it is new.

    :raises Invalid: an arc or viewpoint the framework does not have.
    """
    if target_in.arc not in framework.arc_keys:
        raise Invalid("arc", f"'{target_in.arc}' is not an arc; choose from {', '.join(framework.arc_keys)}")
    if target_in.viewpoint is not None and target_in.viewpoint not in framework.viewpoint_keys:
        known = ", ".join(framework.viewpoint_keys)
        raise Invalid("viewpoint", f"'{target_in.viewpoint}' is not a viewpoint; choose from {known}")
    assert db_round.id is not None  # a round read from the database
    viewpoint = target_in.viewpoint or WHOLE_ARC
    level = round(target_in.level, 2)
    existing = _find(db, round_id=db_round.id, arc=target_in.arc, viewpoint=viewpoint)
    upsert(
        db,
        Target,
        values={
            "round_id": db_round.id,
            "arc": target_in.arc,
            "viewpoint": viewpoint,
            "level": level,
            "updated_at": utcnow(),
        },
        keys=["round_id", "arc", "viewpoint"],
        update=["level", "updated_at"],
    )
    bump_scores_version(db, round_id=db_round.id)
    target = _find(db, round_id=db_round.id, arc=target_in.arc, viewpoint=viewpoint)
    assert target is not None
    audit.record(
        db,
        action="target.set",
        actor=actor,
        trust_id=db_round.trust_id,
        target=f"round {db_round.id}",
        detail=f"{target_in.arc} {viewpoint}: {level}",
    )
    return target, existing is None


def _find(db: Session, *, round_id: int, arc: str, viewpoint: str) -> Target | None:
    db.expire_all()
    return db.scalar(
        select(Target).where(
            col(Target.round_id) == round_id, col(Target.arc) == arc, col(Target.viewpoint) == viewpoint
        )
    )


def targets_of(db: Session, *, round_id: int) -> Sequence[Target]:
    return db.scalars(
        select(Target).where(col(Target.round_id) == round_id).order_by(Target.arc, Target.viewpoint)
    ).all()


def by_key(targets: Sequence[Target]) -> dict[TargetKey, float]:
    """(arc, viewpoint or None) -> level."""
    return {(t.arc, None if t.viewpoint == WHOLE_ARC else t.viewpoint): t.level for t in targets}


def clear_target(db: Session, *, actor: Staff, db_round: Round, target_id: int) -> None:
    """:raises NotFound: no such target in this round."""
    target = db.get(Target, target_id)
    if target is None or target.round_id != db_round.id:
        raise NotFound("This round has no target with that id.")
    db.execute(delete(Target).where(col(Target.id) == target_id))
    bump_scores_version(db, round_id=target.round_id)
    audit.record(
        db,
        action="target.clear",
        actor=actor,
        trust_id=db_round.trust_id,
        target=f"round {db_round.id}",
        detail=f"{target.arc} {target.viewpoint}",
    )
