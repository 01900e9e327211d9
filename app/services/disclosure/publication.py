"""Publishing a round: the figures every output of the round will show, decided once by the rules of
disclosure (`framework.disclosure`) and kept in the ledger (`app.store.disclosures`).

A round is published by a lead once all its focus groups are closed. Until then staff see only its coverage.
Publishing again after late answers is allowed: each figure is checked against everything shown before
(earlier publications, rooms' reveals, the answers each member of staff typed in), and a figure that would
give a few people away shows its earlier version instead, or nothing. A trust may publish only a few times a
day, so that the cross-trust position cannot be probed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.choices import RoundStatus, SessionState
from app.db.columns import utcnow
from app.db.disclosure_tables import DisclosedFigure, Disclosure
from app.db.tables import FocusSession, Participant, Round
from app.errors import Conflict, TooManyRequests
from app.identity import Staff
from app.services.disclosure.nestings import (
    LiveFigure,
    earlier_figures,
    earlier_nestings,
    entered_by,
    entered_raters,
    live_figures,
    padding_nestings,
    reveal_nestings,
)
from app.services.disclosure.remainders import remainder_nestings
from app.store import audit, disclosures
from app.store.disclosures import PUBLICATION, FigureRecord
from framework.disclosure import FigureKey, Hidden, Outcome, Shown, decide
from framework.scoring import RATINGS, cell_figures

PUBLISH_ACTIONS = ("round.publish", "round.republish")


@dataclass(frozen=True)
class PublicationRules:
    min_group_size: int
    max_publications_per_day: int


def publish(
    db: Session,
    *,
    actor: Staff | None,
    db_round: Round,
    rules: PublicationRules,
    now: datetime | None = None,
) -> Disclosure:
    """Publish `db_round` (the caller checked that `actor` leads its trust; None: the command line or the
    demo), in the caller's transaction.

    :raises Conflict: while any of its focus groups is not closed, naming them; for a round already
        published and not reopened.
    :raises TooManyRequests: when the trust has published `max_publications_per_day` times in the last day.
    """
    now = now or utcnow()
    assert db_round.id is not None
    if db_round.status == RoundStatus.CLOSED:
        raise Conflict(
            "This round is published and takes no answers, so publishing it again would show nothing new. "
            "Reopen it for late answers first."
        )
    _refuse_open_sessions(db, db_round.id)
    _refuse_too_many(db, trust_id=db_round.trust_id, rules=rules, now=now)
    figures, outcome = _decided_figures(db, db_round.id, rules)
    number = disclosures.next_publication_number(db, round_id=db_round.id)
    disclosure = disclosures.record(
        db,
        round_id=db_round.id,
        kind=PUBLICATION,
        actor=actor,
        figures=figures,
        at=now,
        number=number,
        last_participant_id=_max_id(db, Participant, db_round.id),
        last_session_id=_max_id(db, FocusSession, db_round.id),
    )
    db_round.status = RoundStatus.CLOSED
    db.add(db_round)
    audit.record(
        db,
        action=PUBLISH_ACTIONS[number > 1],
        actor=actor,
        trust_id=db_round.trust_id,
        target=f"round {db_round.id}",
        detail=_summary(number, outcome, figures),
        at=now,  # the daily limit counts publications by this time
    )
    return disclosure


def _decided_figures(
    db: Session, round_id: int, rules: PublicationRules
) -> tuple[list[FigureRecord], Mapping[FigureKey, Outcome]]:
    """Every live figure of the round with what the rules of disclosure let it show."""
    live = live_figures(db, round_id)
    earlier = earlier_figures(db, round_id)
    per_staff = entered_raters(db, round_id, {key.arc for key in live})
    nestings = [
        *earlier_nestings(live, earlier),
        *reveal_nestings(db, round_id, live),
        *padding_nestings(live, per_staff),
        *remainder_nestings(db, round_id, live, per_staff, earlier),
    ]
    outcome = decide(
        {key: figure.raters for key, figure in live.items()},
        k=rules.min_group_size,
        nestings=nestings,
        has_earlier=frozenset(earlier),
    )
    entered = entered_by(db, per_staff)
    figures = [
        _record(key, live[key], outcome[key], earlier.get(key), entered.get(key), rules.min_group_size)
        for key in sorted(live)
    ]
    return figures, outcome


def reopen(db: Session, *, actor: Staff, db_round: Round) -> None:
    """Let a published round take late answers again; staff go on seeing its last publication until it is
    published again."""
    if db_round.status == RoundStatus.OPEN:
        raise Conflict("This round is already taking answers.")
    db_round.status = RoundStatus.OPEN
    db.add(db_round)
    audit.record(
        db, action="round.reopen", actor=actor, trust_id=db_round.trust_id, target=f"round {db_round.id}"
    )


# --- what is live now -----------------------------------------------------------------------------------


# --- what was shown before ------------------------------------------------------------------------------


# --- the figures as published ---------------------------------------------------------------------------


def _record(
    key: FigureKey,
    live: LiveFigure,
    outcome: Outcome,
    earlier: list[DisclosedFigure] | None,
    entered: tuple[int, str] | None,
    k: int,
) -> FigureRecord:
    staff_entered, entered_by = entered or (0, None)
    hidden = FigureRecord(
        scope=key.scope,
        arc=key.arc,
        viewpoint=key.viewpoint,
        item=key.item,
        raters=live.raters,
        outcome=str(outcome),
        staff_entered=staff_entered,
        entered_by=entered_by,
    )
    if isinstance(outcome, Hidden):
        return hidden
    if outcome is Shown.EARLIER:
        assert earlier
        source = earlier[-1]
        return replace(
            hidden,
            raters=source.raters,
            counts=disclosures.counts_of(source),
            mean=source.mean,
            median=source.median,
            spread=source.spread,
            shown_from_id=source.shown_from_id or source.disclosure_id,
        )
    if key.scope == "statement":
        rated = sum(r * n for r, n in zip(RATINGS, live.counts, strict=False))
        return replace(hidden, counts=live.counts, mean=rated / live.raters)
    assert live.tally is not None
    cell = cell_figures(
        live.tally, arc=key.arc, viewpoint=key.viewpoint, min_group_size=k, comment_min_group_size=k
    )
    return replace(
        hidden,
        counts=live.counts,
        mean=cell.mean,
        median=cell.median,
        spread=cell.spread,
        scores=dict(live.tally.raters),
    )


def _summary(number: int, outcome: Mapping[FigureKey, Outcome], figures: list[FigureRecord]) -> str:
    """The audit log's account of a publication: what was shown, and per cell shown the answers staff
    entered and who entered them (within the log's 500 characters)."""
    cells = [key for key in outcome if key.scope == "cell"]
    shown = sum(1 for key in cells if not isinstance(outcome[key], Hidden))
    again = sum(1 for key in outcome if outcome[key] is Shown.EARLIER)
    words = f"publication {number}: {shown} of {len(cells)} cells shown"
    if again:
        words += f", {again} figures as published before"
    entered = [
        f"{figure.arc}/{figure.viewpoint} {figure.staff_entered} by {figure.entered_by}"
        for figure in figures
        if figure.scope == "cell" and figure.staff_entered and figure.counts is not None
    ]
    if entered:
        words += "; answers entered by staff: " + "; ".join(entered)
    return words if len(words) <= 500 else words[:497] + "..."


# --- refusals -------------------------------------------------------------------------------------------


def _refuse_open_sessions(db: Session, round_id: int) -> None:
    still_open = db.scalars(
        select(col(FocusSession.title))
        .where(col(FocusSession.round_id) == round_id, col(FocusSession.state) != SessionState.CLOSED)
        .order_by(col(FocusSession.title))
    ).all()
    if still_open:
        listed = ", ".join(f"'{title}'" for title in still_open[:5])
        more = f" and {len(still_open) - 5} more" if len(still_open) > 5 else ""
        raise Conflict(
            f"The round cannot be published while focus groups are not closed: {listed}{more}. "
            "Close them first."
        )


def _refuse_too_many(db: Session, *, trust_id: int, rules: PublicationRules, now: datetime) -> None:
    """At most `max_publications_per_day` publications by a trust in any 24 hours, counted from the audit
    log, which outlives deleted rounds."""
    since = now - timedelta(days=1)
    # Strictly within the last day: a publication a day ago to the second no longer counts, so the time the
    # refusal names is a time the trust can publish.
    times = [
        at for at in audit.times_of(db, trust_id=trust_id, actions=PUBLISH_ACTIONS, since=since) if at > since
    ]
    if len(times) >= rules.max_publications_per_day:
        free_at = times[-rules.max_publications_per_day] + timedelta(days=1)
        wait = max(1, int((free_at - now).total_seconds()))
        raise TooManyRequests(
            f"This trust has published {len(times)} times in the last day, the most allowed. "
            f"It can publish again at {free_at:%H:%M} UTC on {free_at:%d %B %Y}.",
            retry_after=wait,
        )


def _max_id(db: Session, model: type[Participant] | type[FocusSession], round_id: int) -> int:
    if model is Participant:
        query = (
            select(func.max(col(Participant.id)))
            .join(FocusSession, col(FocusSession.id) == col(Participant.session_id))
            .where(col(FocusSession.round_id) == round_id)
        )
    else:
        query = select(func.max(col(FocusSession.id))).where(col(FocusSession.round_id) == round_id)
    return int(db.scalar(query) or 0)
