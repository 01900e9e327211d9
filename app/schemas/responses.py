"""A respondent's answers and profile, what saving them replies, a session's progress, imports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    Field,
    StrictBool,
    StringConstraints,
)

from app.choices import AgeBand, RoleLevel, Sector
from app.schemas.common import (
    FREE_TEXT,
    INPUT_MODEL_CONFIG,
    NO_NUL_PATTERN,
)

RatingValue = Literal[1, 2, 3, 4, 5, "dk", "na"]


#: A respondent's own words: NUL refused, bidirectional controls stripped (see `free_text`).
Comment = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000, pattern=NO_NUL_PATTERN), FREE_TEXT
]


class AnswerIn(BaseModel):
    model_config = INPUT_MODEL_CONFIG

    item: Annotated[str, StringConstraints(max_length=60)] = Field(
        description="A statement code, e.g. orange.child.2"
    )
    rating: RatingValue | None = Field(
        description="1 (fragmented) to 5 (integrated), dk (don't know), na (not applicable);"
        " null takes back an earlier answer to this statement"
    )
    comment: Comment | None = None


class ProfileIn(BaseModel):
    """Optional and anonymous: staff give sector and role level; children only an age band and whether an
    adult helped them."""

    model_config = INPUT_MODEL_CONFIG

    sector: Sector | None = None
    role_level: RoleLevel | None = None
    age_band: AgeBand | None = None
    assisted: StrictBool | None = None


class ResponsesIn(BaseModel):
    model_config = INPUT_MODEL_CONFIG

    answers: list[AnswerIn] = Field(default_factory=list, max_length=200)
    profile: ProfileIn | None = None
    submit: StrictBool = False


class ResponsesOut(BaseModel):
    saved: int = Field(description="Answers saved by this request")
    answered: int = Field(description="Statements this participant has answered so far")
    total: int = Field(description="Statements in the session")
    submitted: bool


class JoinOut(BaseModel):
    token: str
    session: dict[str, object]
    items: list[dict[str, str | None]]
    offline_pass: str = Field(
        description="A signed pass the tablet keeps: with it, the next people on the tablet may join while "
        "it is offline (send it as the Join-Pass header with their answers)"
    )
    offline_until: datetime = Field(description="When the pass expires; queued answers older are dropped")


class Progress(BaseModel):
    """Who is in a session, counted as people (one participant token each): every one joined is exactly one
    of answering, quiet, submitted or left."""

    joined: int = Field(description="People who joined (or were typed in from paper)")
    answering: int = Field(description="Not finished, and seen within RAINBOW_ACTIVE_SECONDS")
    submitted: int
    answers: int
    left: int = Field(0, description="Handed the tablet on (or it went idle) without submitting")
    quiet: int = Field(0, description="Not finished, not seen within RAINBOW_ACTIVE_SECONDS, not handed on")
    waiting_on_tablets: int = Field(
        0, description="Answers the session's tablets last said they still hold in their offline outbox"
    )


class ImportResult(BaseModel):
    rows: int
    participants: int
    sessions: list[int]
