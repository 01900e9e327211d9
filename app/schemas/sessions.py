"""Focus groups: creating one, changing its state, joining it, the room's reveal and agreed ratings."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    BaseModel,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
)

from app.choices import (
    SessionState,
)
from app.schemas.common import (
    FREE_TEXT,
    INPUT_MODEL_CONFIG,
    DistinctKeys,
    IsoDateTime,
    RoundName,
)

if TYPE_CHECKING:
    from app.db.tables import FocusSession


class SessionCreate(BaseModel):
    model_config = INPUT_MODEL_CONFIG

    viewpoint: str = Field(description="child, practitioner, team, service or trust")
    arcs: DistinctKeys = Field(
        min_length=1,
        max_length=8,
        description="Arc keys, e.g. ['orange', 'green']",
        json_schema_extra={"uniqueItems": True},
    )
    title: RoundName
    place: RoundName | None = None
    starts_at: IsoDateTime | None = Field(None, description="When it meets, with a time zone")
    children_comments: StrictBool = Field(False, description="Let children add words of their own")


class SessionPublic(BaseModel):
    id: int
    round_id: int
    viewpoint: str
    arcs: list[str]
    title: str
    place: str | None
    starts_at: datetime | None
    state: SessionState
    join_code: str | None
    children_comments: bool
    results_revealed: bool

    @classmethod
    def of(cls, focus: FocusSession) -> SessionPublic:
        assert focus.id is not None
        return cls(
            id=focus.id,
            round_id=focus.round_id,
            viewpoint=focus.viewpoint,
            arcs=focus.arc_keys,
            title=focus.title,
            place=focus.place,
            starts_at=focus.starts_at,
            state=focus.state,
            join_code=focus.join_code,
            children_comments=focus.children_comments,
            results_revealed=focus.results_revealed,
        )


class StateChange(BaseModel):
    model_config = INPUT_MODEL_CONFIG

    state: SessionState


#: Text typed by staff over several lines: tabs and line breaks, but no other control characters (PostgreSQL
#: refuses NUL in text, and the rest only hide things).
NOTES_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
NOTES_MAX_LENGTH = 5000  # the evidence box says so, and refuses more


ITEM_CODE_PATTERN = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[1-9][0-9]*$"


Notes = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=NOTES_MAX_LENGTH, pattern=NOTES_PATTERN),
    FREE_TEXT,
]


PaperRating = Literal["1", "2", "3", "4", "5", "dk", "na"]


class ConsensusIn(BaseModel):
    model_config = INPUT_MODEL_CONFIG

    item: Annotated[str, StringConstraints(max_length=60, pattern=ITEM_CODE_PATTERN)] = Field(
        description="A statement of the session, e.g. orange.practitioner.2"
    )
    rating: Annotated[StrictInt, Field(ge=1, le=5)] | None = Field(
        description="The group's agreed rating, 1 (fragmented) to 5 (integrated); null when not agreed"
    )
    notes: Notes = Field("", description="The evidence the group discussed")


class ConsensusOut(BaseModel):
    item: str
    rating: int | None
    notes: str


class RevealIn(BaseModel):
    model_config = INPUT_MODEL_CONFIG

    revealed: StrictBool = Field(
        description="true shows the room's answers to each statement; false hides them"
    )


class RevealOut(BaseModel):
    revealed: bool


class Distribution(BaseModel):
    """The room's answers to one statement, as the room may see them (design.md section 3a): every figure is
    null while the statement is hidden, and `hidden_because` says why."""

    item: str
    suppressed: bool = Field(False, description="Hidden: no figures (see hidden_because)")
    hidden_because: str | None = Field(None, description="Why the statement is hidden, in words")
    more_needed: int = Field(0, description="Raters still needed before it can be shown on its own")
    counts: dict[str, int] | None = Field(description="How many rated it 1, 2, 3, 4 and 5 (keys '1' to '5')")
    dk: int | None = Field(description="Don't know")
    na: int | None = Field(description="Not applicable")
    n: int | None = Field(description="How many answered the statement at all")
    raters: int | None = Field(None, description="How many rated it 1 to 5 (the count the rules go by)")
    as_revealed_at: datetime | None = Field(
        None,
        description="For figures the room saw earlier and sees again (the newest would give a few people "
        "away): when it first saw them",
    )


class JoinIn(BaseModel):
    model_config = INPUT_MODEL_CONFIG

    code: Annotated[str, StringConstraints(min_length=1, max_length=40)]
