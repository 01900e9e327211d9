"""Where a round's arc scores sit among all trusts' rounds of the same year, in six bands.

A trust sees only its own band per arc: never another trust's name, score, or the band edges (with only a
handful of trusts, edges would come close to giving their scores away). Nothing is shown until at least
`min_trusts` trusts (never fewer than 5) have a round in the year, and an arc is banded only when that many
trusts have an unsuppressed score for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from app.db.tables import Round
from app.store.scores import Thresholds, round_scores
from framework.model import Framework

BANDS = 6
BAND_NAMES = (
    "lowest sixth",
    "second sixth",
    "third sixth",
    "fourth sixth",
    "fifth sixth",
    "highest sixth",
)
ABSOLUTE_MIN_TRUSTS = 5


@dataclass(frozen=True)
class PeerBands:
    year: int | None
    enough_trusts: bool
    #: arc -> band 1 (lowest sixth of trusts) to 6 (highest sixth); None where too few trusts have a score.
    bands: dict[str, int | None]

    @staticmethod
    def name(band: int) -> str:
        return BAND_NAMES[band - 1]


def round_year(db_round: Round) -> int | None:
    """The year a round belongs to for comparisons: its period's start, else its end; None when unset."""
    when = db_round.period_start or db_round.period_end
    return when.year if when else None


def peer_bands(
    db: Session, *, db_round: Round, framework: Framework, thresholds: Thresholds, min_trusts: int
) -> PeerBands:
    min_trusts = max(min_trusts, ABSOLUTE_MIN_TRUSTS)
    year = round_year(db_round)
    no_bands: dict[str, int | None] = {arc: None for arc in framework.arc_keys}
    if year is None:
        return PeerBands(year=None, enough_trusts=False, bands=no_bands)
    peers = _one_round_per_trust(db, year=year, own=db_round)
    if len(peers) < min_trusts:
        return PeerBands(year=year, enough_trusts=False, bands=no_bands)
    arc_scores = {
        trust_id: round_scores(db, round_id=round_id, framework=framework, thresholds=thresholds).arcs
        for trust_id, round_id in peers.items()
    }
    own = arc_scores[db_round.trust_id]
    bands: dict[str, int | None] = {}
    for arc in framework.arc_keys:
        others = [scores[arc] for trust, scores in arc_scores.items() if trust != db_round.trust_id]
        known = [score for score in others if score is not None]
        mine = own[arc]
        bands[arc] = band_of(mine, known) if mine is not None and len(known) + 1 >= min_trusts else None
    return PeerBands(year=year, enough_trusts=True, bands=bands)


def band_of(score: float, others: list[float]) -> int:
    """The sixth of all trusts (this one included) that `score` falls in, by its mid-rank percentile."""
    below = sum(1 for other in others if other < score)
    ties = sum(1 for other in others if other == score)
    percentile = (below + (ties + 1) / 2) / (len(others) + 1)
    return min(BANDS, int(percentile * BANDS) + 1)


def _one_round_per_trust(db: Session, *, year: int, own: Round) -> dict[int, int]:
    """trust id -> the round to compare: this round for its own trust, each other trust's latest round of
    the year."""
    latest: dict[int, tuple[date, int]] = {}  # trust id -> (date, id) of its latest round of the year
    for candidate in db.scalars(select(Round)):
        when = candidate.period_start or candidate.period_end
        if when is None or when.year != year or candidate.trust_id == own.trust_id:
            continue
        assert candidate.id is not None  # a round read from the database
        if candidate.trust_id not in latest or (when, candidate.id) > latest[candidate.trust_id]:
            latest[candidate.trust_id] = (when, candidate.id)
    assert own.id is not None
    return {trust_id: round_id for trust_id, (_, round_id) in latest.items()} | {own.trust_id: own.id}
