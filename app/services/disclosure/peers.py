"""Where a trust sits among all trusts of a year, arc by arc, in sixths: never another trust's name or figure,
and never an edge between sixths.

Positions come from published rounds only (each trust's latest published round of the year), and are worked
out at most once a day for everyone at once and kept: publishing, deleting and publishing again cannot be
used to probe where the edges lie, since nothing moves until the next day's recomputation, and a trust may
publish only a few times a day anyway. Nothing is shown until at least `min_trusts` trusts (never fewer than
5) have a published round of the year, and an arc is placed only when that many have a score for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.db.columns import utcnow
from app.db.disclosure_tables import Disclosure, PeerPosition
from app.db.engine import read_session, write_session
from app.db.tables import Round
from app.services.disclosure.published import published_round
from framework.model import Framework

SIXTHS = 6
SIXTH_NAMES = (
    "lowest sixth",
    "second sixth",
    "third sixth",
    "fourth sixth",
    "fifth sixth",
    "highest sixth",
)
ABSOLUTE_MIN_TRUSTS = 5
#: Positions are worked out again at most this often.
RECOMPUTE_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class PeerSixths:
    """A trust's place among trusts of a year, per arc: 1 (lowest sixth) to 6, None where not placed."""

    year: int | None
    enough_trusts: bool
    sixths: dict[str, int | None]
    computed_at: datetime | None = None
    #: The round was published after the last computation (or is not the trust's latest published round of
    #: the year, which places the trust): placed at the next computation, if it is the latest by then.
    waiting: bool = False

    @staticmethod
    def name(sixth: int) -> str:
        return SIXTH_NAMES[sixth - 1]

    @property
    def next_computation(self) -> datetime | None:
        return None if self.computed_at is None else self.computed_at + RECOMPUTE_AFTER


@dataclass(frozen=True)
class PeerRules:
    min_group_size: int
    min_trusts: int


def round_year(db_round: Round) -> int | None:
    """The year a round belongs to for comparisons: its period's start, else its end; None when unset."""
    when = db_round.period_start or db_round.period_end
    return when.year if when else None


def peer_sixths(
    engine: Engine, *, db_round: Round, framework: Framework, rules: PeerRules, now: datetime | None = None
) -> PeerSixths:
    """Where `db_round`'s trust sits among the trusts of the round's year, as last worked out; worked out
    again first when that was a day ago or more (or never)."""
    now = now or utcnow()
    year = round_year(db_round)
    nothing: dict[str, int | None] = dict.fromkeys(framework.arc_keys)
    if year is None:
        return PeerSixths(year=None, enough_trusts=False, sixths=nothing)
    with read_session(engine) as db:
        computed_at = _computed_at(db, year)
    if computed_at is None or now - computed_at >= RECOMPUTE_AFTER:
        _recompute(engine, year=year, framework=framework, rules=rules, now=now)
    with read_session(engine) as db:
        rows = db.scalars(
            select(PeerPosition).where(
                col(PeerPosition.year) == year, col(PeerPosition.trust_id) == db_round.trust_id
            )
        ).all()
        computed_at = _computed_at(db, year)
        trusts = db.scalar(select(func.max(PeerPosition.trusts)).where(col(PeerPosition.year) == year)) or 0
    enough = trusts >= max(rules.min_trusts, ABSOLUTE_MIN_TRUSTS)
    placed = [row for row in rows if row.round_id == db_round.id]
    sixths = {**nothing, **{row.arc: row.sixth for row in placed}}
    return PeerSixths(year, enough, sixths, computed_at, waiting=enough and not placed)


def _computed_at(db: Session, year: int) -> datetime | None:
    return db.scalar(select(func.min(PeerPosition.computed_at)).where(col(PeerPosition.year) == year))


def _recompute(engine: Engine, *, year: int, framework: Framework, rules: PeerRules, now: datetime) -> None:
    """Every trust's place for the year, from each trust's latest published round of the year."""
    with read_session(engine) as db:
        latest = _latest_published(db, year)
        scores = {
            trust_id: published_round(
                db, round_id=round_id, framework=framework, min_group_size=rules.min_group_size
            ).scores.arcs
            for trust_id, round_id in latest.items()
        }
    minimum = max(rules.min_trusts, ABSOLUTE_MIN_TRUSTS)
    rows = [
        PeerPosition(
            year=year,
            trust_id=trust_id,
            round_id=latest[trust_id],
            arc=arc,
            sixth=sixth,
            trusts=len(scores),
            computed_at=now,
        )
        for arc in framework.arc_keys
        for trust_id, sixth in _sixths_of_arc(scores, arc, minimum).items()
    ]
    try:
        with write_session(engine) as db:
            db.execute(delete(PeerPosition).where(col(PeerPosition.year) == year))
            db.add_all(rows)
    except IntegrityError:
        pass  # another process worked them out at the same moment: theirs stand, and are the same


def _sixths_of_arc(
    scores: dict[int, dict[str, float | None]], arc: str, minimum: int
) -> dict[int, int | None]:
    known = {
        trust: arc_scores[arc] for trust, arc_scores in scores.items() if arc_scores.get(arc) is not None
    }
    if len(scores) < minimum:
        return {}
    return {
        trust: sixth_of(known[trust], [v for t, v in known.items() if t != trust])
        if trust in known and len(known) >= minimum
        else None
        for trust in scores
    }


def sixth_of(score: float | None, others: Sequence[float | None]) -> int:
    """The sixth of all trusts (this one included) that `score` falls in, by its mid-rank percentile."""
    assert score is not None
    values = [other for other in others if other is not None]
    below = sum(1 for other in values if other < score)
    ties = sum(1 for other in values if other == score)
    percentile = (below + (ties + 1) / 2) / (len(values) + 1)
    return min(SIXTHS, int(percentile * SIXTHS) + 1)


def _latest_published(db: Session, year: int) -> dict[int, int]:
    """trust id -> the id of its latest published round of the year."""
    published = select(col(Disclosure.round_id)).where(col(Disclosure.kind) == "publication")
    chosen: dict[int, tuple[date, int]] = {}
    for candidate in db.scalars(select(Round).where(col(Round.id).in_(published))):
        if round_year(candidate) != year or candidate.id is None:
            continue
        when = candidate.period_start or candidate.period_end or date.min
        if candidate.trust_id not in chosen or (when, candidate.id) > chosen[candidate.trust_id]:
            chosen[candidate.trust_id] = (when, candidate.id)
    return {trust_id: round_id for trust_id, (_, round_id) in chosen.items()}
