"""Importing answers gathered elsewhere (paper, another tool) as CSV, all or nothing.

The file has a header row and the columns ``respondent,viewpoint,item,rating`` with optional ``sector``,
``role_level`` and ``comment``. Each distinct ``respondent`` value is one anonymous participant (the value
itself is not kept); ``rating`` is 1 to 5, ``dk`` (don't know) or ``na`` (not applicable). Every problem in
the file is reported with its line number (the header is line 1) and nothing is stored unless every row is
right. Storing the checked file, in batches, is `app.services.imports`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from app.choices import ROLE_LEVELS, SECTORS, RoundStatus
from app.db.tables import Round
from app.errors import Conflict, Invalid
from app.schemas.common import without_bidi_controls
from framework.model import Framework
from framework.scoring import RATINGS, Kind
from surveys import CHILD_VIEWPOINT, SurveyBook

REQUIRED_COLUMNS = ("respondent", "viewpoint", "item", "rating")
OPTIONAL_COLUMNS = ("sector", "role_level", "comment")
MAX_PROBLEMS = 200
PAUSE_EVERY_ROWS = 500


@dataclass
class Respondent:
    viewpoint: str
    sector: str | None = None
    role_level: str | None = None
    answers: dict[str, tuple[int | None, Kind, str | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class ParsedImport:
    """A whole file, checked: its respondents (in file order) and how many rows it had."""

    respondents: list[Respondent]
    rows: int

    @property
    def answers(self) -> int:
        return sum(len(person.answers) for person in self.respondents)


def refuse_if_published(db_round: Round) -> None:
    """:raises Conflict: when the round is published and so takes no answers."""
    if db_round.status == RoundStatus.CLOSED:
        raise Conflict(
            "This round is published and takes no more answers. A lead can reopen it for late answers; "
            "it is then published again under the same rules."
        )


def parse_import(
    content: bytes, *, framework: Framework, surveys: SurveyBook, pause: Callable[[], object] = lambda: None
) -> ParsedImport:
    """Check the whole file (no database needed). `pause` is called every `PAUSE_EVERY_ROWS` rows: a caller
    in a busy process gives the other threads their turn there (a big file is seconds of CPU).

    :raises Invalid: listing every bad row.
    """
    respondents, rows = _parse(content, framework, surveys, pause)
    return ParsedImport(list(respondents.values()), rows)


def _parse(
    content: bytes, framework: Framework, surveys: SurveyBook, pause: Callable[[], object]
) -> tuple[dict[str, Respondent], int]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid.every([("file", "is not UTF-8 text; save it as CSV UTF-8")]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as error:
        raise Invalid.every([("line 1", _unreadable(error))]) from None
    header = [name.strip().lower() for name in fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        wrong = f"missing {', '.join(missing)}" if missing else f"unknown column {', '.join(unknown)}"
        raise Invalid.every([("line 1", f"the header must name {', '.join(REQUIRED_COLUMNS)} ({wrong})")])
    reader.fieldnames = header
    respondents: dict[str, Respondent] = {}
    rows, problems = _read_rows(reader, respondents, framework, surveys, pause)
    if rows == 0 and not problems:
        problems.append(("file", "has no rows under its header"))
    if problems:
        raise Invalid.every(problems)
    return respondents, rows


def _read_rows(
    reader: csv.DictReader[str],
    respondents: dict[str, Respondent],
    framework: Framework,
    surveys: SurveyBook,
    pause: Callable[[], object],
) -> tuple[int, list[tuple[str, str]]]:
    """Every row into `respondents`: how many rows there were, and what is wrong with them."""
    problems: list[tuple[str, str]] = []
    rows = 0
    try:
        for row in reader:
            rows += 1
            if rows % PAUSE_EVERY_ROWS == 0:
                pause()
            message = _read_row(row, respondents, framework, surveys)
            if message:
                problems.append((f"line {reader.line_num}", message))
                if len(problems) >= MAX_PROBLEMS:
                    problems.append(("file", f"stopped after {MAX_PROBLEMS} problems"))
                    break
    except csv.Error as error:  # the reader cannot go on past a line it cannot read
        problems.append((f"line {reader.line_num + 1}", _unreadable(error)))  # the line it failed on
    return rows, problems


def _unreadable(error: csv.Error) -> str:
    if "field limit" in str(error):
        return f"has a value longer than {csv.field_size_limit():,} characters; nothing here is that long"
    return f"cannot be read as CSV ({error})"


def _read_row(
    row: dict[str | None, object],
    respondents: dict[str, Respondent],
    framework: Framework,
    surveys: SurveyBook,
) -> str | None:
    """Add one row to `respondents`, or say what is wrong with it."""
    if None in row:
        return "has more values than the header has columns"
    value = {key: (str(v).strip() if v is not None else "") for key, v in row.items() if key is not None}
    if any("\x00" in text for text in value.values()):
        return "has a NUL character (code 0), which cannot be kept; take it out"
    respondent, viewpoint, code, rating_text = (value[name] for name in REQUIRED_COLUMNS)
    sector, role_level, comment = (value.get(name, "") or None for name in OPTIONAL_COLUMNS)
    if not respondent or len(respondent) > 60:
        return "respondent must be given (at most 60 characters)"
    if viewpoint not in framework.viewpoint_keys:
        return f"viewpoint '{viewpoint}' is not one of {', '.join(framework.viewpoint_keys)}"
    try:
        item = surveys.item(code)
    except KeyError:
        return f"item '{code}' is not a statement of the framework"
    if item.viewpoint != viewpoint:
        return f"item '{code}' is not a statement for the {viewpoint} viewpoint"
    rating, kind = _rating(rating_text)
    if kind is None:
        return f"rating '{rating_text}' must be 1 to 5, dk or na"
    if viewpoint == CHILD_VIEWPOINT and (sector or role_level):
        return "children's answers take no sector or role level"
    if sector is not None and sector not in SECTORS:
        return f"sector '{sector}' is not one of {', '.join(SECTORS)}"
    if role_level is not None and role_level not in ROLE_LEVELS:
        return f"role_level '{role_level}' is not one of {', '.join(ROLE_LEVELS)}"
    if comment is not None and len(comment) > 2000:
        return "comment is longer than 2000 characters"
    comment = without_bidi_controls(comment) if comment is not None else None
    person = respondents.setdefault(
        respondent, Respondent(viewpoint=viewpoint, sector=sector, role_level=role_level)
    )
    if person.viewpoint != viewpoint:
        return f"respondent '{respondent}' answered earlier as {person.viewpoint}, not {viewpoint}"
    if (sector, role_level) != (person.sector, person.role_level) and (sector or role_level):
        return f"respondent '{respondent}' has a different sector or role level on an earlier line"
    if code in person.answers:
        return f"respondent '{respondent}' answers {code} twice"
    person.answers[code] = (rating, kind, comment)
    return None


#: What the rating column may say (any case), as (rating, kind).
_RATING_TEXTS: dict[str, tuple[int | None, Kind]] = {
    "dk": (None, "dk"),
    "na": (None, "na"),
    **{str(rating): (rating, "rating") for rating in RATINGS},
}


def _rating(text: str) -> tuple[int | None, Kind | None]:
    return _RATING_TEXTS.get(text.lower(), (None, None))
