"""Checks shared by the input models: names people type, email addresses.

Each rule is also written as a JSON Schema ``pattern`` so the OpenAPI document says what is accepted:
no control characters or invisible formatting characters (they break databases and spoof names), and a
name must contain something other than spaces.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, ConfigDict, StringConstraints

# Control characters and invisible formatting (soft hyphen, zero-width, bidi overrides). Lone surrogates are
# refused before any pattern is tried, by pydantic's own string check.
_FORBIDDEN = r"\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
NAME_PATTERN = rf"^[^{_FORBIDDEN}]*[^\s{_FORBIDDEN}][^{_FORBIDDEN}]*$"
EMAIL_PATTERN = rf"^[^@\s{_FORBIDDEN}]+@[^@\s{_FORBIDDEN}]+\.[^@\s{_FORBIDDEN}]+$"


#: The configuration of every input model: a field the model does not have is an error, not ignored.
INPUT_MODEL_CONFIG = ConfigDict(extra="forbid")


def _date_text(value: object) -> object:
    # pydantic would also take a number as a date (seconds since 1970); people and the API give text.
    if isinstance(value, date | str):
        return value
    raise ValueError("must be a date written as YYYY-MM-DD")


def _datetime_text(value: object) -> object:
    if isinstance(value, datetime | str):
        return value
    raise ValueError("must be a date and time written as YYYY-MM-DDTHH:MM:SS+00:00")


IsoDate = Annotated[date, BeforeValidator(_date_text)]
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_datetime_text)]


def _lower(value: str) -> str:
    return value.lower()


TrustName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NAME_PATTERN)
]
RoundName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120, pattern=NAME_PATTERN)
]
Email = Annotated[str, StringConstraints(max_length=320, pattern=EMAIL_PATTERN), AfterValidator(_lower)]


def is_plain_text(value: str) -> bool:
    """True when `value` has none of the forbidden characters (for checks outside the models)."""
    return re.search(f"[{_FORBIDDEN}]", value) is None


# Text over several lines (notes, outcomes): tabs and line breaks, but no other control characters.
_FORBIDDEN_IN_LINES = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
MULTILINE_PATTERN = rf"^[^{_FORBIDDEN_IN_LINES}]*$"
#: The same, with something other than spaces in it.
MULTILINE_TEXT_PATTERN = rf"^[^{_FORBIDDEN_IN_LINES}]*[^\s{_FORBIDDEN_IN_LINES}][^{_FORBIDDEN_IN_LINES}]*$"


# Bidirectional controls (embeddings, overrides, isolates and marks): in free text they make a comment read
# differently from what it holds ("Trojan Source"); stripped, the words stay.
_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
NUL_MESSAGE = "must not contain a NUL character (code 0)"
#: The JSON Schema side of `free_text` for fields without a stricter pattern: no NUL.
NO_NUL_PATTERN = r"^[^\x00]*$"


def without_bidi_controls(value: str) -> str:
    return value.translate(_BIDI_CONTROLS)


def free_text(value: str) -> str:
    """Free text as kept: NUL refused on every engine (PostgreSQL cannot store it), bidi controls stripped.

    :raises ValueError: when `value` holds a NUL.
    """
    if "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    return without_bidi_controls(value)


#: Apply to every free-text field after its other constraints.
FREE_TEXT = AfterValidator(free_text)


def distinct(values: list[str]) -> list[str]:
    """A list validator: the same value twice is an error (e.g. an arc named twice)."""
    if len(set(values)) != len(values):
        raise ValueError("must not name the same one twice")
    return values


#: A list of keys (arcs) in which none is repeated.
DistinctKeys = Annotated[list[str], AfterValidator(distinct)]
