"""The audit log of staff actions: who did what, in which trust, when (UTC), and how it ended.

Events are written in the same transaction as the change they record. Never pass passwords, tokens or
answers: `detail` is for short, non-secret context such as a role name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
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
