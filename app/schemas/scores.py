"""A round's scores and its comparison with a baseline, as the API gives them (design.md section 3)."""

from __future__ import annotations

from pydantic import (
    BaseModel,
    Field,
)


class CellOut(BaseModel):
    arc: str
    viewpoint: str
    suppressed: bool = Field(
        description="Hidden: too few raters, or another hidden figure could be worked out from it; every "
        "figure, n included, is null"
    )
    hidden_because: str | None = Field(
        None, description="Why a suppressed cell is hidden, in words; null for a cell shown"
    )
    as_published: int | None = Field(
        None,
        description="For a figure shown as an earlier publication of the round showed it (the new one would "
        "give a few people away): that publication's number",
    )
    n: int | None = Field(description="Participants counted (with at least one rating in the arc)")
    mean: float | None = Field(description="Mean of the cell's ratings, every rating weighing the same")
    median: float | None = Field(description="Median of the cell's ratings")
    spread: float | None = Field(description="Sample standard deviation of the cell's ratings")
    distribution: dict[str, int] | None = Field(description='Item ratings "1".."5" and how many gave each')
    dont_know: int | None
    not_applicable: int | None


class ArcScoreOut(BaseModel):
    arc: str
    score: float | None = Field(description="Mean of the arc's unsuppressed cell means; null if none")


class ScoresOut(BaseModel):
    round_id: int
    publication: int = Field(description="The publication of the round these figures are from: 1, 2, ...")
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
