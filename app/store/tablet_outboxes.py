"""What each tablet last said it still holds in its offline outbox, and how many answers a session is waiting
for on its tablets (`app.services.offline` explains the join pass a tablet is known by)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from app.db.columns import utcnow
from app.db.core import table
from app.db.tables import TabletOutbox


@dataclass(frozen=True)
class OutboxReport:
    """A tablet (the hash of its join pass), its session, and how many answers it says are still queued."""

    join_pass: str
    session_id: int
    waiting: int


def record_waiting(db: Session, *, reports: Sequence[OutboxReport]) -> None:
    """Keep each tablet's latest report (the last of `reports` for each pass), in the caller's transaction."""
    latest = {report.join_pass: report for report in reports}
    if not latest:
        return
    now = utcnow()
    rows = [
        {"join_pass": r.join_pass, "session_id": r.session_id, "waiting": r.waiting, "reported_at": now}
        for _, r in sorted(latest.items())
    ]
    dialect = postgresql if db.connection().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(_OUTBOXES)
    statement = insert.on_conflict_do_update(
        index_elements=[_OUTBOXES.c.join_pass],
        set_={"waiting": insert.excluded.waiting, "reported_at": insert.excluded.reported_at},
    )
    db.connection().execute(statement, rows)


def waiting_on_tablets(db: Session, *, session_id: int) -> int:
    """The answers a session's tablets last said they still hold."""
    total = db.scalar(
        select(func.coalesce(func.sum(TabletOutbox.waiting), 0)).where(
            col(TabletOutbox.session_id) == session_id
        )
    )
    return int(total or 0)


_OUTBOXES = table(TabletOutbox)
