"""Support needs: the help a trust says it needs on an arc in a round (training, data, leadership, ...)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlmodel import Session, col

from app.db.tables import Round, SupportNeed
from app.errors import Invalid, NotFound
from app.identity import Staff
from app.schemas.plans import SupportNeedIn, SupportNeedPublic
from app.store import audit
from framework.model import Framework


def public(need: SupportNeed) -> SupportNeedPublic:
    assert need.id is not None
    return SupportNeedPublic(
        id=need.id, round_id=need.round_id, arc=need.arc, kind=need.kind, description=need.description
    )


def add_support_need(
    db: Session, *, actor: Staff, db_round: Round, need_in: SupportNeedIn, framework: Framework
) -> SupportNeed:
    """:raises Invalid: an arc the framework does not have."""
    if need_in.arc not in framework.arc_keys:
        raise Invalid("arc", f"'{need_in.arc}' is not an arc; choose from {', '.join(framework.arc_keys)}")
    assert db_round.id is not None
    need = SupportNeed(round_id=db_round.id, **need_in.model_dump())
    db.add(need)
    db.flush()
    audit.record(
        db, action="support.add", actor=actor, trust_id=db_round.trust_id, target=f"round {db_round.id}"
    )
    return need


def support_needs_of(db: Session, *, round_id: int) -> Sequence[SupportNeed]:
    return db.scalars(
        select(SupportNeed).where(col(SupportNeed.round_id) == round_id).order_by(col(SupportNeed.id))
    ).all()


def remove_support_need(db: Session, *, actor: Staff, db_round: Round, need_id: int) -> None:
    """:raises NotFound: no such need in this round."""
    need = db.get(SupportNeed, need_id)
    if need is None or need.round_id != db_round.id:
        raise NotFound("This round has no support need with that id.")
    db.execute(delete(SupportNeed).where(col(SupportNeed.id) == need_id))
    audit.record(
        db, action="support.remove", actor=actor, trust_id=db_round.trust_id, target=f"round {db_round.id}"
    )
