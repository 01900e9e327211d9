"""The disclosure ledger: every publication of a round and every room's reveal, with each figure it showed.

A publication's figures are what every output of the round shows (scores, charts, comparisons, pages,
downloads), read from here rather than from the live answers: a round's figures change only when it is
published again. Reveals keep, per statement, who had answered what, so that a later figure of the same
statement can be checked against them (the k-difference rule, `framework.disclosure`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.db.disclosure_tables import DisclosedFigure, DisclosedScore, Disclosure
from app.identity import Staff
from framework.scoring import RaterTotal

PUBLICATION = "publication"
REVEAL = "reveal"


@dataclass(frozen=True)
class FigureRecord:
    """A figure as a disclosure records it; `counts` is rated_1..5, dont_know, not_applicable."""

    scope: str
    arc: str
    viewpoint: str
    item: str | None
    raters: int
    outcome: str
    counts: tuple[int, ...] | None = None
    mean: float | None = None
    median: float | None = None
    spread: float | None = None
    shown_from_id: int | None = None
    staff_entered: int = 0
    entered_by: str | None = None
    contributions: Mapping[int, str] | None = None
    #: A shown cell's participants by (sum of ratings, number of ratings), for comparisons.
    scores: Mapping[RaterTotal, int] | None = None


def record(
    db: Session,
    *,
    round_id: int,
    kind: str,
    actor: Staff | None,
    figures: Sequence[FigureRecord],
    at: datetime,
    session_id: int | None = None,
    number: int | None = None,
    last_participant_id: int = 0,
    last_session_id: int = 0,
) -> Disclosure:
    """Write a disclosure and its figures in the caller's transaction."""
    disclosure = Disclosure(
        round_id=round_id,
        session_id=session_id,
        kind=kind,
        number=number,
        at=at,
        actor_id=actor.user_id if actor else None,
        actor_email=actor.email if actor else None,
        last_participant_id=last_participant_id,
        last_session_id=last_session_id,
    )
    db.add(disclosure)
    db.flush()
    assert disclosure.id is not None
    rows = [_figure_row(disclosure.id, figure) for figure in figures]
    db.add_all(rows)
    db.flush()
    db.add_all(
        DisclosedScore(figure_id=row.id, score_num=total, score_den=ratings, participants=n)
        for row, figure in zip(rows, figures, strict=True)
        if row.id is not None
        for (total, ratings), n in (figure.scores or {}).items()
        if n
    )
    return disclosure


def _figure_row(disclosure_id: int, figure: FigureRecord) -> DisclosedFigure:
    counts = figure.counts or (None,) * 7
    return DisclosedFigure(
        disclosure_id=disclosure_id,
        scope=figure.scope,
        arc=figure.arc,
        viewpoint=figure.viewpoint,
        item_code=figure.item,
        raters=figure.raters,
        outcome=figure.outcome,
        shown_from_id=figure.shown_from_id,
        rated_1=counts[0],
        rated_2=counts[1],
        rated_3=counts[2],
        rated_4=counts[3],
        rated_5=counts[4],
        dont_know=counts[5],
        not_applicable=counts[6],
        mean=figure.mean,
        median=figure.median,
        spread=figure.spread,
        staff_entered=figure.staff_entered,
        entered_by=figure.entered_by,
        contributions=None
        if figure.contributions is None
        else json.dumps({str(pid): category for pid, category in sorted(figure.contributions.items())}),
    )


def latest_publication(db: Session, *, round_id: int) -> Disclosure | None:
    """The round's newest publication; None while it has never been published."""
    return db.scalars(
        select(Disclosure)
        .where(col(Disclosure.round_id) == round_id, col(Disclosure.kind) == PUBLICATION)
        .order_by(col(Disclosure.number).desc())
        .limit(1)
    ).first()


def publications_of(db: Session, *, round_id: int) -> Sequence[Disclosure]:
    return db.scalars(
        select(Disclosure)
        .where(col(Disclosure.round_id) == round_id, col(Disclosure.kind) == PUBLICATION)
        .order_by(col(Disclosure.number))
    ).all()


def figures_of(db: Session, *, disclosure_id: int, scope: str | None = None) -> Sequence[DisclosedFigure]:
    query = select(DisclosedFigure).where(col(DisclosedFigure.disclosure_id) == disclosure_id)
    if scope is not None:
        query = query.where(col(DisclosedFigure.scope) == scope)
    return db.scalars(query.order_by(col(DisclosedFigure.id))).all()


def score_counts(db: Session, *, figure_ids: Sequence[int]) -> dict[int, dict[RaterTotal, int]]:
    """figure id -> the participants of a shown cell by arc score."""
    found: dict[int, dict[RaterTotal, int]] = {figure_id: {} for figure_id in figure_ids}
    if not figure_ids:
        return found
    rows = db.execute(
        select(
            col(DisclosedScore.figure_id),
            col(DisclosedScore.score_num),
            col(DisclosedScore.score_den),
            col(DisclosedScore.participants),
        ).where(col(DisclosedScore.figure_id).in_(figure_ids))
    )
    for figure_id, num, den, participants in rows:
        found[figure_id][(int(num), int(den))] = participants
    return found


def reveals_of_round(db: Session, *, round_id: int) -> Sequence[tuple[Disclosure, DisclosedFigure]]:
    """Every statement figure any room of the round revealed, oldest first."""
    rows = db.execute(
        select(Disclosure, DisclosedFigure)
        .join(DisclosedFigure, col(DisclosedFigure.disclosure_id) == col(Disclosure.id))
        .where(col(Disclosure.round_id) == round_id, col(Disclosure.kind) == REVEAL)
        .order_by(col(Disclosure.at), col(DisclosedFigure.id))
    ).all()
    return [(disclosure, figure) for disclosure, figure in rows]


def last_reveal_of_session(db: Session, *, session_id: int) -> dict[str, DisclosedFigure]:
    """item code -> the last figure of it that the session's room saw (any outcome that showed figures)."""
    rows = db.execute(
        select(DisclosedFigure)
        .join(Disclosure, col(DisclosedFigure.disclosure_id) == col(Disclosure.id))
        .where(col(Disclosure.session_id) == session_id, col(Disclosure.kind) == REVEAL)
        .order_by(col(Disclosure.at), col(DisclosedFigure.id))
    ).scalars()
    found: dict[str, DisclosedFigure] = {}
    for figure in rows:
        if figure.item_code is not None and figure.rated_1 is not None:
            found[figure.item_code] = figure
    return found


def contributions(figure: DisclosedFigure) -> dict[int, str]:
    """A revealed figure's answers by participant id."""
    return {int(pid): category for pid, category in json.loads(figure.contributions or "{}").items()}


def counts_of(figure: DisclosedFigure) -> tuple[int, ...]:
    """The figure's counts: ratings 1 to 5, then "don't know", then "not applicable"."""
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


def next_publication_number(db: Session, *, round_id: int) -> int:
    found = db.scalar(
        select(func.max(col(Disclosure.number))).where(
            col(Disclosure.round_id) == round_id, col(Disclosure.kind) == PUBLICATION
        )
    )
    return int(found or 0) + 1


def disclosed_at(db: Session, *, disclosure_id: int) -> datetime | None:
    return db.scalar(select(col(Disclosure.at)).where(col(Disclosure.id) == disclosure_id))


def published_ids(db: Session, *, round_ids: Sequence[int]) -> set[int]:
    """Which of these rounds have been published at least once."""
    if not round_ids:
        return set()
    return set(
        db.scalars(
            select(col(Disclosure.round_id)).where(
                col(Disclosure.round_id).in_(list(round_ids)), col(Disclosure.kind) == PUBLICATION
            )
        )
    )
