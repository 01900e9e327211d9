"""A trust over the years: each arc's score in each of its published rounds, earliest first, with its 95%
interval.

Only published rounds count, and each as its latest publication shows it
(`app.services.disclosure.published`): an arc's score and its interval come from the cells that
publication shows, so a hidden cell adds nothing to either. The interval resamples the people of those
cells (`framework.trend.score_interval`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from app.db.tables import Round, Trust
from app.identity import Staff
from app.permissions import ANY_MEMBER
from app.services.disclosure.published import PublishedRound
from app.services.reports import ReportContext
from app.store import disclosures, rounds, trusts
from framework.charts.trend_chart import Format, render_trend
from framework.trend import TrendLine, TrendPoint, score_interval


@dataclass(frozen=True)
class TrendRound:
    """A published round on the trend: which publication of it is shown, and when it was published."""

    id: int
    name: str
    publication: int
    published_at: datetime
    overall: float | None


@dataclass(frozen=True)
class Trend:
    trust: Trust
    rounds: tuple[TrendRound, ...]
    lines: tuple[TrendLine, ...]  # one per arc, in the framework's order

    @property
    def title(self) -> str:
        return f"{self.trust.name}: each arc over its published rounds"

    def chart(self, fmt: Format, *, scale: int = 1) -> bytes:
        return render_trend(self.title, [r.name for r in self.rounds], self.lines, fmt, scale=scale)


def trust_trend(db: Session, *, staff: Staff, trust_id: int, context: ReportContext) -> Trend:
    """Every arc of the trust across its published rounds, for a member of the trust.

    :raises NotFound: an unknown trust or one `staff` is not a member of.
    """
    trust = trusts.get_trust_for_staff(db, staff=staff, trust_id=trust_id, roles=ANY_MEMBER)
    ordered = rounds.in_time_order(rounds.rounds_of(db, trust_id=trust_id))
    shown = disclosures.published_ids(db, round_ids=[r.id for r in ordered if r.id is not None])
    published = [(r, context.published(db, r)) for r in ordered if r.id in shown]
    trend_rounds = tuple(
        TrendRound(r.id or 0, r.name, p.number, p.publication.at, p.scores.overall) for r, p in published
    )
    lines = tuple(
        TrendLine(
            key=arc.key,
            label=arc.short_title,
            colour=arc.colour,
            points=tuple(_point(arc.key, r, p) for r, p in published),
        )
        for arc in context.framework.arcs
    )
    return Trend(trust=trust, rounds=trend_rounds, lines=lines)


def _point(arc: str, db_round: Round, published: PublishedRound) -> TrendPoint:
    score = published.scores.arcs.get(arc)
    if score is None:
        return TrendPoint(db_round.name, None, None, None)
    cells = [counts for (cell_arc, _viewpoint), counts in published.score_counts.items() if cell_arc == arc]
    interval = score_interval(cells, seed=f"{arc}:{db_round.id}:{published.number}")
    low, high = interval if interval is not None else (None, None)
    return TrendPoint(db_round.name, score, low, high)
