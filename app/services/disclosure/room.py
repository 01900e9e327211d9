"""What a focus group's room may see of its own answers: the reveal, statement by statement.

A statement's figures are shown only with k raters or more, and only when the raters that changed since the
room last saw it (new answers, changed answers, answers taken back) are none or at least k; otherwise the room
sees the figure it saw last, or nothing. Answers a member of staff typed in count as known to them. Every
figure newly shown is recorded in the ledger (`app.store.disclosures`), which the round's publication is later
checked against. The reveal is available only while the session is open or locked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from app.choices import SessionState
from app.db.columns import utcnow
from app.db.disclosure_tables import DisclosedFigure
from app.db.tables import Answer, FocusSession, Participant
from app.errors import Conflict
from app.identity import Staff
from app.store import disclosures
from app.store.disclosures import REVEAL, FigureRecord
from framework.disclosure import Hidden, Outcome, Shown, decide_reveal, more_raters_needed
from framework.scoring import RATINGS
from surveys import Item

NOT_REVEALED = (
    "The room's answers are hidden until you reveal them, so that no one follows the crowd. "
    "Reveal them first."
)
SESSION_CLOSED = (
    "This session is closed: its room's answers are no longer shown here. They count in the round's "
    "figures once a trust lead publishes the round."
)
_RATED = {str(r) for r in RATINGS}


@dataclass(frozen=True)
class RoomStatement:
    """One statement as the room may see it: its counts, or why not and how many more raters it needs."""

    item: str
    counts: dict[str, int] | None  # "1".."5"
    dk: int | None
    na: int | None
    n: int | None  # everyone who answered it, for drawing shares
    raters: int | None
    hidden_because: str | None = None
    more_needed: int = 0  # raters still needed before it can be shown on its own
    as_revealed_at: datetime | None = None  # for a figure the room saw earlier, shown again

    @property
    def suppressed(self) -> bool:
        return self.counts is None

    def share(self, key: str) -> int:
        """The percentage of those answering who gave `key` ('1'..'5', 'dk' or 'na'), for drawing a bar."""
        if self.counts is None or not self.n:
            return 0
        count = self.dk if key == "dk" else self.na if key == "na" else self.counts.get(key, 0)
        return round(100 * (count or 0) / self.n)


@dataclass(frozen=True)
class _Live:
    contributions: dict[int, str]  # participant id -> category of everyone who answered
    entered: dict[int, int]  # staff id -> raters among the participants they typed in

    @property
    def raters(self) -> int:
        return sum(1 for category in self.contributions.values() if category in _RATED)

    def counts(self) -> tuple[int, ...]:
        tally = [0] * 7
        for category in self.contributions.values():
            tally[int(category) - 1 if category in _RATED else 5 if category == "dk" else 6] += 1
        return tuple(tally)


def room_results(
    db: Session, *, actor: Staff, focus: FocusSession, items: Sequence[Item], k: int
) -> list[RoomStatement]:
    """The room's answers to each statement, in the session's order, as it may see them now; what is newly
    shown is recorded in the caller's transaction.

    :raises Conflict: while the answers are hidden, or once the session is closed.
    """
    assert focus.id is not None
    live, last, outcome, new = _assess(db, focus, items, k)
    if new:
        figures = [
            _record(item, focus, live[item.code], outcome[item.code], last.get(item.code)) for item in items
        ]
        disclosures.record(
            db,
            round_id=focus.round_id,
            session_id=focus.id,
            kind=REVEAL,
            actor=actor,
            figures=figures,
            at=utcnow(),
        )
        last = disclosures.last_reveal_of_session(db, session_id=focus.id)
    return [
        _view(db, item.code, live[item.code], outcome[item.code], last.get(item.code), k) for item in items
    ]


def recorded_room_results(
    db: Session, *, focus: FocusSession, items: Sequence[Item], k: int
) -> list[RoomStatement] | None:
    """As `room_results`, reading only: None when the room would newly see a figure, which must first be
    recorded in the ledger (then call `room_results` in a writing transaction). A room screen polls this.

    :raises Conflict: while the answers are hidden, or once the session is closed.
    """
    live, last, outcome, new = _assess(db, focus, items, k)
    if new:
        return None
    return [
        _view(db, item.code, live[item.code], outcome[item.code], last.get(item.code), k) for item in items
    ]


def _assess(
    db: Session, focus: FocusSession, items: Sequence[Item], k: int
) -> tuple[dict[str, _Live], dict[str, DisclosedFigure], dict[str, Outcome], list[str]]:
    """The room's answers now, the figures it saw last, what it may see of each statement, and which
    statements would show a figure not yet in the ledger."""
    if focus.state not in (SessionState.OPEN, SessionState.LOCKED):
        raise Conflict(SESSION_CLOSED)
    if not focus.results_revealed:
        raise Conflict(NOT_REVEALED)
    assert focus.id is not None
    live = _live(db, focus.id, items)
    last = disclosures.last_reveal_of_session(db, session_id=focus.id)
    outcome = decide_reveal(
        {item.code: live[item.code].raters for item in items},
        k=k,
        nestings=_nestings(live, last),
        revealed_before=frozenset(last),
    )
    new = [
        code for code, kind in outcome.items() if kind is Shown.NEW and _differs(live[code], last.get(code))
    ]
    return live, last, outcome, new


def reveal_preview(db: Session, *, focus: FocusSession, items: Sequence[Item], k: int) -> list[RoomStatement]:
    """Before the reveal, for the facilitator: each statement's raters and how many more it needs to be shown;
    no figures."""
    assert focus.id is not None
    live = _live(db, focus.id, items)
    return [
        RoomStatement(
            item=item.code,
            counts=None,
            dk=None,
            na=None,
            n=None,
            raters=live[item.code].raters,
            hidden_because=None if live[item.code].raters >= k else Hidden.TOO_FEW.words,
            more_needed=more_raters_needed(live[item.code].raters, k=k),
        )
        for item in items
    ]


def _live(db: Session, session_id: int, items: Sequence[Item]) -> dict[str, _Live]:
    rows = db.execute(
        select(
            col(Answer.participant_id),
            col(Answer.item_code),
            col(Answer.kind),
            col(Answer.rating),
            col(Participant.entered_by_id),
        )
        .join(Participant, col(Participant.id) == col(Answer.participant_id))
        .where(col(Participant.session_id) == session_id)
    ).all()
    contributions: dict[str, dict[int, str]] = defaultdict(dict)
    entered: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for pid, code, kind, rating, staff_id in rows:
        category = str(rating) if kind == "rating" else kind
        contributions[code][pid] = category
        if staff_id is not None and category in _RATED:
            entered[code][staff_id] += 1
    return {item.code: _Live(dict(contributions[item.code]), dict(entered[item.code])) for item in items}


def _nestings(live: dict[str, _Live], last: dict[str, DisclosedFigure]) -> list[tuple[str, int]]:
    """Each statement against the figure the room saw last (the raters whose part changed since), and against
    the answers each member of staff typed in (the raters they did not)."""
    pairs: list[tuple[str, int]] = []
    for code, now in live.items():
        for entered in now.entered.values():
            pairs.append((code, now.raters - entered))
        seen = last.get(code)
        if seen is not None:
            then = {pid: c for pid, c in disclosures.contributions(seen).items() if c in _RATED}
            rated_now = {pid: c for pid, c in now.contributions.items() if c in _RATED}
            unchanged = sum(1 for pid, c in then.items() if rated_now.get(pid) == c)
            pairs.append((code, (len(rated_now) - unchanged) + (len(then) - unchanged)))
    return pairs


def _differs(now: _Live, seen: DisclosedFigure | None) -> bool:
    if seen is None:
        return True
    return disclosures.contributions(seen) != now.contributions


def _record(
    item: Item, focus: FocusSession, now: _Live, outcome: Outcome, seen: DisclosedFigure | None
) -> FigureRecord:
    hidden = FigureRecord(
        scope="statement",
        arc=item.arc,
        viewpoint=focus.viewpoint,
        item=item.code,
        raters=now.raters,
        outcome=str(outcome),
    )
    if outcome is Shown.NEW:
        return replace(hidden, counts=now.counts(), contributions=now.contributions)
    if outcome is Shown.EARLIER and seen is not None:
        return replace(
            hidden,
            raters=seen.raters,
            counts=disclosures.counts_of(seen),
            shown_from_id=seen.shown_from_id or seen.disclosure_id,
            contributions=disclosures.contributions(seen),
        )
    return hidden


def _view(
    db: Session, code: str, now: _Live, outcome: Outcome, seen: DisclosedFigure | None, k: int
) -> RoomStatement:
    if isinstance(outcome, Hidden):
        return RoomStatement(
            item=code,
            counts=None,
            dk=None,
            na=None,
            n=None,
            raters=None,
            hidden_because=outcome.words,
            more_needed=more_raters_needed(now.raters, k=k) if outcome is Hidden.TOO_FEW else 0,
        )
    assert seen is not None  # a statement shown is in the ledger by now
    counts = disclosures.counts_of(seen)
    return RoomStatement(
        item=code,
        counts={str(r): counts[r - 1] for r in RATINGS},
        dk=counts[5],
        na=counts[6],
        n=sum(counts),
        raters=seen.raters,
        as_revealed_at=_revealed_at(db, seen) if outcome is Shown.EARLIER else None,
    )


def _revealed_at(db: Session, figure: DisclosedFigure) -> datetime | None:
    return disclosures.disclosed_at(db, disclosure_id=figure.shown_from_id or figure.disclosure_id)
