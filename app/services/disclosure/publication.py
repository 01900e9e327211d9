"""Publishing a round: the figures every output of the round will show, decided once by the rules of
disclosure (`framework.disclosure`) and kept in the ledger (`app.store.disclosures`).

A round is published by a lead once all its focus groups are closed. Until then staff see only its coverage.
Publishing again after late answers is allowed: each figure is checked against everything shown before
(earlier publications, rooms' reveals, the answers each member of staff typed in), and a figure that would
give a few people away shows its earlier version instead, or nothing. A trust may publish only a few times a
day, so that the cross-trust position cannot be probed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.choices import RoundStatus, SessionState
from app.db.columns import utcnow
from app.db.disclosure_tables import DisclosedFigure, Disclosure
from app.db.tables import Answer, FocusSession, Participant, Round, User
from app.errors import Conflict, TooManyRequests
from app.identity import Staff
from app.store import audit, disclosures
from app.store.disclosures import PUBLICATION, FigureRecord
from app.store.rollups import round_tallies, statement_tallies
from framework.disclosure import FigureKey, Hidden, Nesting, Outcome, Shown, decide
from framework.scoring import RATINGS, CellTally, cell_figures
from surveys import arc_of_code

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
    live = _live_figures(db, db_round.id)
    earlier = _earlier_figures(db, db_round.id)
    nestings = [
        *_earlier_nestings(live, earlier),
        *_reveal_nestings(db, db_round.id, live),
        *_padding_nestings(db, db_round.id, live),
    ]
    outcome = decide(
        {key: figure.raters for key, figure in live.items()},
        k=rules.min_group_size,
        nestings=nestings,
        has_earlier=frozenset(earlier),
    )
    entered = _entered_by(db, db_round.id)
    figures = [
        _record(key, live[key], outcome[key], earlier.get(key), entered.get(key), rules.min_group_size)
        for key in sorted(live)
    ]
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


@dataclass(frozen=True)
class LiveFigure:
    raters: int
    counts: tuple[int, ...]  # rated_1..5, dont_know, not_applicable
    tally: CellTally | None = None  # cells only: the participants' arc scores


def _live_figures(db: Session, round_id: int) -> dict[FigureKey, LiveFigure]:
    """Every cell and statement of the round with any answer, from the rollups."""
    live: dict[FigureKey, LiveFigure] = {}
    for (arc, viewpoint), tally in round_tallies(db, round_id=round_id).items():
        counts = (*(tally.distribution.get(r, 0) for r in RATINGS), tally.dont_know, tally.not_applicable)
        live[FigureKey.cell(arc, viewpoint)] = LiveFigure(tally.n, counts, tally)
    for (viewpoint, item), counts in statement_tallies(db, round_id=round_id).items():
        arc = arc_of_code(item)
        live[FigureKey.statement(arc, viewpoint, item)] = LiveFigure(sum(counts[:5]), counts)
        live.setdefault(FigureKey.cell(arc, viewpoint), LiveFigure(0, (0,) * 7, CellTally()))
    return live


# --- what was shown before ------------------------------------------------------------------------------


def _earlier_figures(db: Session, round_id: int) -> dict[FigureKey, list[DisclosedFigure]]:
    """Every figure an earlier publication showed, by figure, oldest first."""
    shown: dict[FigureKey, list[DisclosedFigure]] = defaultdict(list)
    for publication in disclosures.publications_of(db, round_id=round_id):
        assert publication.id is not None
        for figure in disclosures.figures_of(db, disclosure_id=publication.id):
            if figure.outcome in (Shown.NEW, Shown.EARLIER):
                shown[_key(figure)].append(figure)
    return dict(shown)


def _key(figure: DisclosedFigure) -> FigureKey:
    return FigureKey(figure.scope, figure.arc, figure.viewpoint, figure.item_code)


def _earlier_nestings(
    live: Mapping[FigureKey, LiveFigure], earlier: Mapping[FigureKey, list[DisclosedFigure]]
) -> Iterable[Nesting]:
    """Answers are only ever added to a published round (its sessions were closed), so the raters of a
    figure shown before are among today's: the difference is the newcomers."""
    for key, shown in earlier.items():
        if key in live:
            for figure in shown:
                yield Nesting(key, live[key].raters - figure.raters)


def _reveal_nestings(db: Session, round_id: int, live: Mapping[FigureKey, LiveFigure]) -> Iterable[Nesting]:
    """A room's reveal of a statement lies within the round's statement and its cell: the raters that differ
    are the round's other raters, and those of the room whose answer changed after it was revealed."""
    revealed = disclosures.reveals_of_round(db, round_id=round_id)
    if not revealed:
        return
    session_ids = {disclosure.session_id for disclosure, _ in revealed if disclosure.session_id is not None}
    now = _answers_of_sessions(db, session_ids)
    viewpoints = dict(
        db.execute(
            select(col(FocusSession.id), col(FocusSession.viewpoint)).where(
                col(FocusSession.id).in_(session_ids)
            )
        ).all()
    )
    for disclosure, figure in revealed:
        if figure.item_code is None or figure.rated_1 is None:
            continue  # nothing of this statement was shown
        then = {
            pid: category for pid, category in disclosures.contributions(figure).items() if category in _RATED
        }
        unchanged = sum(1 for pid, category in then.items() if now.get((pid, figure.item_code)) == category)
        arc = arc_of_code(figure.item_code)
        viewpoint = viewpoints.get(disclosure.session_id, figure.viewpoint)
        for key in (FigureKey.statement(arc, viewpoint, figure.item_code), FigureKey.cell(arc, viewpoint)):
            if key in live:
                yield Nesting(key, (live[key].raters - unchanged) + (len(then) - unchanged))


_RATED = {str(r) for r in RATINGS}


def _answers_of_sessions(db: Session, session_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """(participant id, item) -> category ("1".."5", "dk", "na") for the sessions' participants."""
    rows = db.execute(
        select(col(Answer.participant_id), col(Answer.item_code), col(Answer.kind), col(Answer.rating))
        .join(Participant, col(Participant.id) == col(Answer.participant_id))
        .where(col(Participant.session_id).in_(list(session_ids)))
    )
    return {(pid, item): category_of(kind, rating) for pid, item, kind, rating in rows}


def category_of(kind: str, rating: int | None) -> str:
    """An answer as one category: "1".."5", "dk" or "na"."""
    return str(rating) if kind == "rating" else kind


def _padding_nestings(db: Session, round_id: int, live: Mapping[FigureKey, LiveFigure]) -> Iterable[Nesting]:
    """Answers a member of staff typed in or imported are known to them: the rest of the figure's raters must
    be none or at least k."""
    for per_figure in _entered_raters(db, round_id).values():
        for key, entered in per_figure.items():
            if key in live:
                yield Nesting(key, live[key].raters - entered)


def _entered_raters(db: Session, round_id: int) -> dict[int, dict[FigureKey, int]]:
    """staff user id -> figure -> raters among the participants they entered."""
    rows = db.execute(
        select(
            col(Participant.entered_by_id),
            col(Participant.id),
            col(FocusSession.viewpoint),
            col(Answer.item_code),
        )
        .join(FocusSession, col(FocusSession.id) == col(Participant.session_id))
        .join(Answer, col(Answer.participant_id) == col(Participant.id))
        .where(
            col(FocusSession.round_id) == round_id,
            col(Participant.entered_by_id).is_not(None),
            col(Answer.kind) == "rating",
        )
    )
    statements: dict[int, dict[FigureKey, int]] = defaultdict(lambda: defaultdict(int))
    cells: dict[int, dict[FigureKey, set[int]]] = defaultdict(lambda: defaultdict(set))
    for staff_id, pid, viewpoint, item in rows:
        arc = arc_of_code(item)
        statements[staff_id][FigureKey.statement(arc, viewpoint, item)] += 1
        cells[staff_id][FigureKey.cell(arc, viewpoint)].add(pid)
    found: dict[int, dict[FigureKey, int]] = {}
    for staff_id in statements:
        found[staff_id] = {**statements[staff_id], **{k: len(v) for k, v in cells[staff_id].items()}}
    return found


def _entered_by(db: Session, round_id: int) -> dict[FigureKey, tuple[int, str]]:
    """figure -> (raters whose answers staff entered, who: "email (count); ...")."""
    per_staff = _entered_raters(db, round_id)
    if not per_staff:
        return {}
    emails = dict(
        db.execute(select(col(User.id), col(User.email)).where(col(User.id).in_(list(per_staff)))).all()
    )
    found: dict[FigureKey, list[tuple[str, int]]] = defaultdict(list)
    for staff_id, per_figure in per_staff.items():
        for key, count in per_figure.items():
            found[key].append((emails.get(staff_id, "a former member of staff"), count))
    return {
        key: (sum(count for _, count in who), "; ".join(f"{email} ({count})" for email, count in sorted(who)))
        for key, who in found.items()
    }


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
            counts=_counts_of(source),
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
        scores=dict(live.tally.scores),
    )


def _counts_of(figure: DisclosedFigure) -> tuple[int, ...]:
    values = (
        figure.rated_1,
        figure.rated_2,
        figure.rated_3,
        figure.rated_4,
        figure.rated_5,
        figure.dont_know,
        figure.not_applicable,
    )
    return tuple(int(value or 0) for value in values)


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
