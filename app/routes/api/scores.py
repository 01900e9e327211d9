"""Scores of a round and its comparison with a baseline, as JSON (design.md section 4), for trust staff."""

from __future__ import annotations

from fastapi import APIRouter

from app.db.engine import read_session
from app.permissions import ANY_MEMBER
from app.schemas.scores import (
    ArcComparisonOut,
    ArcScoreOut,
    CellComparisonOut,
    CellOut,
    CompareOut,
    ScoresOut,
)
from app.services.disclosure.published import published_round
from app.services.reports import round_report
from app.store import rounds
from app.web.auth import StaffUser
from app.web.openapi import error_responses
from app.web.params import RoundId
from app.web.state import State
from framework.scoring import Comparison, Scores

router = APIRouter(prefix="/api", tags=["scores"])


def scores_out(round_id: int, scores: Scores, *, publication: int) -> ScoresOut:
    return ScoresOut(
        round_id=round_id,
        publication=publication,
        min_group_size=scores.min_group_size,
        cells=[CellOut.model_validate(cell, from_attributes=True) for cell in scores.cells],
        arcs=[ArcScoreOut(arc=arc, score=score) for arc, score in scores.arcs.items()],
        overall=scores.overall,
    )


def compare_out(round_id: int, baseline_id: int, min_group_size: int, comparison: Comparison) -> CompareOut:
    return CompareOut(
        round_id=round_id,
        baseline_id=baseline_id,
        min_group_size=min_group_size,
        cells=[CellComparisonOut.model_validate(c, from_attributes=True) for c in comparison.cells],
        arcs=[ArcComparisonOut.model_validate(a, from_attributes=True) for a in comparison.arcs],
    )


@router.get(
    "/rounds/{round_id}/scores", response_model=ScoresOut, responses=error_responses(401, 403, 404, 409)
)
def get_scores(round_id: RoundId, staff: StaffUser, state: State) -> ScoresOut:
    """Members of the round's trust: every cell (arc x viewpoint), arc scores and the round score, as the
    round's latest publication shows them; 409 for a round not yet published."""
    with read_session(state.engine) as db:
        rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=ANY_MEMBER)
        published = published_round(
            db, round_id=round_id, framework=state.framework, min_group_size=state.settings.min_group_size
        )
    return scores_out(round_id, published.scores, publication=published.number)


@router.get(
    "/rounds/{round_id}/compare/{baseline_id}",
    response_model=CompareOut,
    responses=error_responses(401, 403, 404, 409),
)
def get_comparison(round_id: RoundId, baseline_id: RoundId, staff: StaffUser, state: State) -> CompareOut:
    """Members of the round's trust: the round against a baseline round of the same trust, cell by cell and
    arc by arc, with 95% bootstrap intervals (reproducible: the same data give the same interval)."""
    with read_session(state.engine) as db:
        report = round_report(
            db,
            staff=staff,
            round_id=round_id,
            baseline=baseline_id,
            context=state.report_context,
            field="baseline_id",
        )
    assert report.comparison is not None
    return compare_out(round_id, baseline_id, state.settings.min_group_size, report.comparison)
