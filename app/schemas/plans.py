"""From scores to action: targets, the action plan, support needs and coverage."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
)

from app.choices import (
    ActionStatus,
    SupportKind,
)
from app.schemas.common import (
    FREE_TEXT,
    INPUT_MODEL_CONFIG,
    MULTILINE_PATTERN,
    MULTILINE_TEXT_PATTERN,
    NAME_PATTERN,
    DistinctKeys,
    IsoDate,
)

#: Text over several lines (outcomes, resources): line breaks and tabs, no other control characters.
Paragraphs = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2000, pattern=MULTILINE_PATTERN),
    FREE_TEXT,
]


Resources = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=500, pattern=MULTILINE_PATTERN),
    FREE_TEXT,
]


ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NAME_PATTERN)
]


Timescale = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=NAME_PATTERN)
]


class ActionIn(BaseModel):
    model_config = INPUT_MODEL_CONFIG

    title: ShortText
    arcs: DistinctKeys = Field(
        min_length=1, max_length=8, description="Arc keys", json_schema_extra={"uniqueItems": True}
    )
    outcomes: Paragraphs | None = None
    timescale: Timescale | None = Field(None, description="In words, e.g. 'by March 2010'")
    due: IsoDate | None = Field(None, description="A due date, YYYY-MM-DD")
    lead_officer: ShortText | None = None
    resources: Resources | None = Field(None, description="Resources or estimated cost")
    status: ActionStatus = ActionStatus.NOT_STARTED


class ActionPublic(BaseModel):
    id: int
    trust_id: int
    title: str
    arcs: list[str]
    outcomes: str | None
    timescale: str | None
    due: str | None
    lead_officer: str | None
    resources: str | None
    status: ActionStatus
    position: int


class TargetIn(BaseModel):
    model_config = INPUT_MODEL_CONFIG

    arc: str = Field(max_length=40, description="An arc key, e.g. orange")
    level: float = Field(ge=1, le=5, allow_inf_nan=False, description="The level to reach, 1 to 5")
    viewpoint: str | None = Field(
        None, max_length=20, description="One viewpoint's target; the whole arc if absent"
    )


class TargetPublic(BaseModel):
    id: int
    round_id: int
    arc: str
    viewpoint: str | None
    level: float


Description = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000, pattern=MULTILINE_TEXT_PATTERN),
    FREE_TEXT,
]


class SupportNeedIn(BaseModel):
    model_config = INPUT_MODEL_CONFIG

    arc: str = Field(max_length=40, description="An arc key")
    kind: SupportKind
    description: Description


class SupportNeedPublic(BaseModel):
    id: int
    round_id: int
    arc: str
    kind: SupportKind
    description: str


class PlannedSessionOut(BaseModel):
    id: int
    title: str
    state: str
    starts_at: str | None


class CoverageCellOut(BaseModel):
    arc: str
    viewpoint: str
    respondents: int | None = Field(
        description="People with at least one rating in the arc so far; null while fewer than the threshold"
    )
    fewer_than: int | None = Field(
        description='While some but fewer than the threshold have rated it: the threshold ("fewer than 5")'
    )
    threshold: int
    enough: bool
    still_needed: int | None = Field(
        description="How many more raters before figures can be shown; null while fewer than the threshold "
        "(it would give the count away)"
    )
    sessions: list[PlannedSessionOut]


class CoverageOut(BaseModel):
    round_id: int
    threshold: int
    cells: list[CoverageCellOut]
