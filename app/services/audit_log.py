"""The audit log as an administrator reads it: filtered by who, what, when and outcome, a page at a time,
with names in place of ids and actions in words, and the same rows as CSV.

Targets are stored as "<kind> <id>" ("user 6", "round 3"); here they are read back as the account's email,
the round's name, the session's title, and so on, or "deleted round 3" once the thing has gone.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.db.tables import Action, AuditEvent, FocusSession, Round, Trust, User
from app.exports.rows import neutralise
from app.store import audit

PAGE_SIZE = 50
CSV_LIMIT = 100_000
#: Every action the app records, in words; an action not listed reads as recorded.
ACTION_WORDS = {
    "login": "Signed in",
    "logout": "Signed out",
    "token.create": "Made an API token",
    "trust.create": "Added a trust",
    "user.create": "Added an account",
    "user.enable": "Enabled an account",
    "user.disable": "Disabled an account",
    "membership.set": "Gave a role in a trust",
    "membership.remove": "Removed from a trust",
    "round.create": "Started a round",
    "round.delete": "Deleted a round",
    "round.publish": "Published a round",
    "round.republish": "Published a round again",
    "round.reopen": "Reopened a round for late answers",
    "round.export.csv": "Downloaded scores (CSV)",
    "round.export.xlsx": "Downloaded the workbook (XLSX)",
    "round.export.pdf": "Downloaded the board report (PDF)",
    "answers.import": "Imported answers",
    "session.create": "Created a focus group",
    "session.state": "Opened, locked or closed a focus group",
    "session.reveal": "Showed a room its answers",
    "session.hide": "Hid a room's answers",
    "session.consensus": "Recorded an agreed rating",
    "session.paper": "Typed in a paper questionnaire",
    "target.set": "Set a target",
    "target.clear": "Cleared a target",
    "action.add": "Added an action to the plan",
    "action.edit": "Changed an action",
    "action.delete": "Removed an action",
    "support.add": "Added a support need",
    "support.remove": "Removed a support need",
    "demo.create": "Loaded the demo",
}
OUTCOME_WORDS = {"ok": "Succeeded", "failed": "Failed"}


@dataclass(frozen=True)
class AuditFilter:
    """What the administrator asked for; every field optional."""

    who: str = ""  # part of an email address
    action: str = ""  # an ACTION_WORDS key
    since: date | None = None
    until: date | None = None  # inclusive
    outcome: str = ""  # "ok", or "failed" for anything else

    def query(self) -> dict[str, str]:
        """The filter as query parameters, leaving out the empty ones (for paging and download links)."""
        values = {
            "who": self.who,
            "action": self.action,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "outcome": self.outcome,
        }
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    who: str
    trust: str
    action: str  # in words
    code: str  # as recorded, for scripts and searching
    target: str
    outcome: str
    succeeded: bool
    detail: str


@dataclass(frozen=True)
class AuditView:
    rows: list[AuditRow]
    total: int
    page: int
    pages: int


def audit_view(db: Session, *, wanted: AuditFilter, page: int) -> AuditView:
    """One page (from 1) of the events matching `wanted`, newest first; past the last page, the last."""
    criteria = _criteria(wanted)
    total = audit.count_events(db, criteria=criteria)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    events = audit.find_events(db, criteria=criteria, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return AuditView(rows=_rows(db, events), total=total, page=page, pages=pages)


def audit_csv(db: Session, *, wanted: AuditFilter) -> str:
    """Every event matching `wanted` (up to CSV_LIMIT), newest first, as CSV with a header in words."""
    events = audit.find_events(db, criteria=_criteria(wanted), offset=0, limit=CSV_LIMIT)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["When (UTC)", "Who", "Trust", "Action", "Action code", "About", "Outcome", "Detail"])
    for row in _rows(db, events):
        when = row.at.strftime("%Y-%m-%d %H:%M:%S")
        values = (when, row.who, row.trust, row.action, row.code, row.target, row.outcome, row.detail)
        writer.writerow([neutralise(value) for value in values])
    return out.getvalue()


def _criteria(wanted: AuditFilter) -> audit.EventCriteria:
    return audit.EventCriteria(
        who=wanted.who.strip().lower(),
        action=wanted.action,
        since=wanted.since,
        until=wanted.until,
        outcome=wanted.outcome,
    )


def _rows(db: Session, events: Sequence[AuditEvent]) -> list[AuditRow]:
    names = _target_names(db, [event.target for event in events if event.target])
    trusts = dict(db.execute(select(col(Trust.id), col(Trust.name))).all())
    return [
        AuditRow(
            at=event.at,
            who=event.actor_email or "unknown",
            trust=(trusts.get(event.trust_id) or f"deleted trust {event.trust_id}") if event.trust_id else "",
            action=ACTION_WORDS.get(event.action, event.action),
            code=event.action,
            target=names.get(event.target or "", event.target or ""),
            outcome=OUTCOME_WORDS.get(event.outcome, event.outcome.replace("_", " ").capitalize()),
            succeeded=event.outcome == "ok",
            detail=event.detail or "",
        )
        for event in events
    ]


_KINDS: dict[str, tuple[Any, Any]] = {  # kind -> (id column, name column)
    "user": (col(User.id), col(User.email)),
    "trust": (col(Trust.id), col(Trust.name)),
    "round": (col(Round.id), col(Round.name)),
    "session": (col(FocusSession.id), col(FocusSession.title)),
    "action": (col(Action.id), col(Action.title)),
}


def _target_names(db: Session, targets: Sequence[str]) -> dict[str, str]:
    """ "round 3" -> "round: 2010 re-assessment", for the targets still there; "deleted round 3" otherwise."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for target in targets:
        kind, _, digits = target.partition(" ")
        if kind in _KINDS and digits.isdigit():
            wanted[kind].add(int(digits))
    names: dict[str, str] = {}
    for kind, ids in wanted.items():
        key, name = _KINDS[kind]
        found: dict[int, str] = dict(db.execute(select(key, name).where(key.in_(ids))).all())
        for number in ids:
            label = found.get(number)
            names[f"{kind} {number}"] = f"{kind}: {label}" if label else f"deleted {kind} {number}"
    return names
