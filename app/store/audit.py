"""The audit log of staff actions: who did what, in which trust, when (UTC), and how it ended.

Events are written in the same transaction as the change they record. Never pass passwords, tokens or
answers: `detail` is for short, non-secret context such as a role name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session, col

from app.db.tables import AuditEvent

if TYPE_CHECKING:
    from app.identity import Staff


def record(
    db: Session,
    *,
    action: str,
    outcome: str = "ok",
    actor: Staff | None = None,
    actor_id: int | None = None,
    actor_email: str | None = None,
    trust_id: int | None = None,
    target: str | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> None:
    """Record an event, at `at` when the action has its own time (else now)."""
    event = AuditEvent(
        action=action,
        outcome=outcome,
        actor_id=actor.user_id if actor else actor_id,
        actor_email=actor.email if actor else actor_email,
        trust_id=trust_id,
        target=target,
        detail=detail,
    )
    if at is not None:
        event.at = at
    db.add(event)


def recent_events(db: Session, *, limit: int = 200, trust_id: int | None = None) -> Sequence[AuditEvent]:
    query = select(AuditEvent).order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit)
    if trust_id is not None:
        query = query.where(col(AuditEvent.trust_id) == trust_id)
    return db.scalars(query).all()


def times_of(db: Session, *, trust_id: int, actions: Sequence[str], since: datetime) -> list[datetime]:
    """When the trust's successful `actions` happened since `since`, oldest first. The log outlives the rounds
    and trusts it speaks of, so deleting a round does not make its actions disappear from here."""
    return list(
        db.scalars(
            select(col(AuditEvent.at))
            .where(
                col(AuditEvent.trust_id) == trust_id,
                col(AuditEvent.action).in_(list(actions)),
                col(AuditEvent.outcome) == "ok",
                col(AuditEvent.at) >= since,
            )
            .order_by(col(AuditEvent.at))
        )
    )


@dataclass(frozen=True)
class EventCriteria:
    """Which events to find: part of the actor's email (lower case), an action, a day range (inclusive),
    and "ok" or "failed" (any outcome but ok); empty means any."""

    who: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None
    outcome: str = ""


def _matching(criteria: EventCriteria) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if criteria.who:
        pattern = "%" + criteria.who.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(func.lower(col(AuditEvent.actor_email)).like(pattern, escape="\\"))
    if criteria.action:
        where.append(col(AuditEvent.action) == criteria.action)
    if criteria.since:
        where.append(col(AuditEvent.at) >= datetime.combine(criteria.since, time.min, UTC))
    if criteria.until:
        where.append(col(AuditEvent.at) < datetime.combine(criteria.until + timedelta(days=1), time.min, UTC))
    if criteria.outcome == "ok":
        where.append(col(AuditEvent.outcome) == "ok")
    elif criteria.outcome:
        where.append(col(AuditEvent.outcome) != "ok")
    return where


def count_events(db: Session, *, criteria: EventCriteria) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent).where(*_matching(criteria))) or 0


def find_events(db: Session, *, criteria: EventCriteria, offset: int, limit: int) -> Sequence[AuditEvent]:
    """The events matching `criteria`, newest first, from `offset`."""
    query = (
        select(AuditEvent)
        .where(*_matching(criteria))
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return db.scalars(query).all()
