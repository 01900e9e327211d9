"""Scores of a round and its comparison with a baseline, as JSON (design.md section 4), for trust staff."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from app.auth import StaffUser
from app.database import read_session
from app.openapi import error_responses
from app.permissions import ANY_MEMBER
from app.routes.params import RoundId
from app.state import AppState, get_state
from app.store import rounds
from app.store.scores import Thresholds, compare_rounds, round_scores
from framework.scoring import Comparison, Scores

router = APIRouter(prefix="/api", tags=["scores"])
State = Annotated[AppState, Depends(get_state)]


class CellOut(BaseModel):
    arc: str
    viewpoint: str
    suppressed: bool = Field(
        description="Fewer people than min_group_size: every figure, n included, is null"
    )
    n: int | None = Field(description="Participants counted (with at least one rating in the arc)")
    mean: float | None
    median: float | None
    spread: float | None = Field(description="Standard deviation of participants' arc scores")
    distribution: dict[str, int] | None = Field(description='Item ratings "1".."5" and how many gave each')
    dont_know: int | None
    not_applicable: int | None


class ArcScoreOut(BaseModel):
    arc: str
    score: float | None = Field(description="Mean of the arc's unsuppressed cell means; null if none")


class ScoresOut(BaseModel):
    round_id: int
    min_group_size: int
    cells: list[CellOut]
    arcs: list[ArcScoreOut]
    overall: float | None = Field(description="Mean of the arc scores")


class CellComparisonOut(BaseModel):
    arc: str
    viewpoint: str
    baseline: float | None
    current: float | None
    delta: float | None = Field(description="current - baseline; null when either is suppressed")
    ci_low: float | None = Field(description="95% bootstrap interval of the delta, lower end")
    ci_high: float | None
    includes_zero: bool | None = Field(description="The interval includes 0: the change may be chance")
    comparable: bool = Field(description="Same framework version and the same statements in both rounds")


class ArcComparisonOut(BaseModel):
    arc: str
    baseline: float | None
    current: float | None
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    includes_zero: bool | None


class CompareOut(BaseModel):
    round_id: int
    baseline_id: int
    min_group_size: int
    cells: list[CellComparisonOut]
    arcs: list[ArcComparisonOut]


def scores_out(round_id: int, scores: Scores) -> ScoresOut:
    return ScoresOut(
        round_id=round_id,
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


@router.get("/rounds/{round_id}/scores", response_model=ScoresOut, responses=error_responses(401, 403, 404))
def get_scores(round_id: RoundId, staff: StaffUser, state: State) -> ScoresOut:
    """Members of the round's trust: every cell (arc x viewpoint), arc scores and the round score."""
    with read_session(state.engine) as db:
        rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=ANY_MEMBER)
        scores = round_scores(
            db, round_id=round_id, framework=state.framework, thresholds=Thresholds.of(state.settings)
        )
    return scores_out(round_id, scores)


@router.get(
    "/rounds/{round_id}/compare/{baseline_id}",
    response_model=CompareOut,
    responses=error_responses(401, 403, 404),
)
def get_comparison(round_id: RoundId, baseline_id: RoundId, staff: StaffUser, state: State) -> CompareOut:
    """Members of the round's trust: the round against a baseline round of the same trust, cell by cell and
    arc by arc, with 95% bootstrap intervals (reproducible: the same data give the same interval)."""
    with read_session(state.engine) as db:
        current = rounds.get_round_for_staff(db, staff=staff, round_id=round_id, roles=ANY_MEMBER)
        baseline = rounds.get_round_for_staff(db, staff=staff, round_id=baseline_id, roles=ANY_MEMBER)
        comparison = compare_rounds(
            db,
            current=current,
            baseline=baseline,
            framework=state.framework,
            surveys=state.surveys,
            thresholds=Thresholds.of(state.settings),
        )
    return compare_out(round_id, baseline_id, state.settings.min_group_size, comparison)
