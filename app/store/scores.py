"""A round's scores and its comparison with a baseline, from the rollups, by the rules of `framework.scoring`.

Suppression happens here, once, before anything is shown or exported: callers get `Scores` whose suppressed
cells carry no figures at all, and comments only from cells large enough for them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlmodel import Session, col

from app.config import Settings
from app.db.tables import Answer, FocusSession, Participant, Round
from app.store.rollups import round_tallies
from app.store.rounds import check_baseline
from framework.model import Framework
from framework.scoring import Cell, Comparison, RoundTallies, Scores, compare, score_cells
from surveys import SurveyBook


@dataclass(frozen=True)
class Thresholds:
    min_group_size: int
    comment_min_group_size: int

    @classmethod
    def of(cls, settings: Settings) -> Thresholds:
        return cls(settings.min_group_size, settings.comment_min_group_size)


def round_scores(db: Session, *, round_id: int, framework: Framework, thresholds: Thresholds) -> Scores:
    """Every cell of the round in framework order, the arc scores and the round score; no comments."""
    return score_cells(
        round_tallies(db, round_id=round_id),
        arcs=framework.arc_keys,
        viewpoints=framework.viewpoint_keys,
        min_group_size=thresholds.min_group_size,
        comment_min_group_size=thresholds.comment_min_group_size,
    )


def with_comments(db: Session, *, round_id: int, scores: Scores, arc: str, thresholds: Thresholds) -> Scores:
    """The same scores, with the comments of one arc's cells where a cell is large enough for them."""
    cells = []
    for cell in scores.cells:
        if cell.arc == arc and cell.n is not None and cell.n >= thresholds.comment_min_group_size:
            cell = replace(cell, comments=tuple(_comments(db, round_id=round_id, cell=cell)))
        cells.append(cell)
    return replace(scores, cells=tuple(cells))


def _comments(db: Session, *, round_id: int, cell: Cell) -> list[str]:
    rows = db.scalars(
        select(col(Answer.comment))
        .join(Participant, col(Participant.id) == Answer.participant_id)
        .join(FocusSession, col(FocusSession.id) == Participant.session_id)
        .where(
            col(FocusSession.round_id) == round_id,
            col(FocusSession.viewpoint) == cell.viewpoint,
            col(Answer.item_code).startswith(f"{cell.arc}."),
            col(Answer.comment).is_not(None),
        )
        .order_by(col(Answer.item_code), col(Answer.id))
    )
    return [comment for comment in rows if comment]


def round_tallies_for_comparison(
    db: Session, *, db_round: Round, framework: Framework, surveys: SurveyBook
) -> RoundTallies:
    """What a comparison needs of a round: its framework version, its cells, and each cell's statements."""
    assert db_round.id is not None
    items = {
        (arc, viewpoint): frozenset(item.code for item in surveys.items(arc, viewpoint))
        for arc in framework.arc_keys
        for viewpoint in framework.viewpoint_keys
    }
    return RoundTallies(
        framework_version=db_round.framework_version,
        tallies=round_tallies(db, round_id=db_round.id),
        items=items,
    )


def compare_rounds(
    db: Session,
    *,
    current: Round,
    baseline: Round,
    framework: Framework,
    surveys: SurveyBook,
    thresholds: Thresholds,
    field: str = "baseline_id",
) -> Comparison:
    """The current round against its baseline (access to both checked by the caller).

    :raises NotFound: when the baseline belongs to another trust; :raises Invalid: the round itself as its
        baseline (naming `field`).
    """
    assert current.id is not None and baseline.id is not None
    check_baseline(
        round_id=current.id,
        trust_id=current.trust_id,
        baseline_id=baseline.id,
        baseline_trust_id=baseline.trust_id,
        field=field,
    )
    return compare(
        round_tallies_for_comparison(db, db_round=current, framework=framework, surveys=surveys),
        round_tallies_for_comparison(db, db_round=baseline, framework=framework, surveys=surveys),
        arcs=framework.arc_keys,
        viewpoints=framework.viewpoint_keys,
        min_group_size=thresholds.min_group_size,
    )
