"""The fixed choices of the service, each with the words pages, exports and the board pack show for it.

Roles, the states of rounds and focus groups, action statuses, kinds of support, and the anonymous profile a
respondent may give. One table each: a new status or kind is added here and every output shows it. This
module is a leaf: it imports nothing from the rest of the app.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, get_args


class Role(StrEnum):
    """What a member of a trust may do there: leads run assessments, facilitators run focus groups."""

    LEAD = "lead"
    FACILITATOR = "facilitator"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class SessionState(StrEnum):
    """A focus group's life: prepared, taking people, taking answers only, finished."""

    DRAFT = "draft"
    OPEN = "open"  # joins and answers
    LOCKED = "locked"  # answers, but no new joins
    CLOSED = "closed"  # nothing


class ActionStatus(StrEnum):
    """Where an action of the plan stands (red, amber, green in the Leicestershire table)."""

    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    DONE = "done"

    @property
    def label(self) -> str:
        return ACTION_STATUS_LABELS[self]


class SupportKind(StrEnum):
    """The kinds of help a trust may say it needs on an arc."""

    TRAINING = "training"
    DATA = "data"
    LEADERSHIP = "leadership"
    FUNDING = "funding"
    NATIONAL = "national"
    OTHER = "other"

    @property
    def label(self) -> str:
        return SUPPORT_KIND_LABELS[self]


ROLE_LABELS = {Role.LEAD: "Trust lead", Role.FACILITATOR: "Facilitator", Role.VIEWER: "Viewer"}
#: In the order a plan lists them.
ACTION_STATUS_LABELS = {
    ActionStatus.NOT_STARTED: "Not started",
    ActionStatus.ON_TRACK: "On track",
    ActionStatus.AT_RISK: "At risk",
    ActionStatus.DONE: "Done",
}
#: Most urgent first: the order of "at risk first".
ACTION_URGENCY = (ActionStatus.AT_RISK, ActionStatus.NOT_STARTED, ActionStatus.ON_TRACK, ActionStatus.DONE)
SUPPORT_KIND_LABELS = {
    SupportKind.TRAINING: "Training",
    SupportKind.DATA: "Data and evidence",
    SupportKind.LEADERSHIP: "Leadership",
    SupportKind.FUNDING: "Funding",
    SupportKind.NATIONAL: "National support",
    SupportKind.OTHER: "Other",
}

# --- the anonymous profile a respondent may give ----------------------------------------------------------

# Each a Literal, so a schema can take exactly these values, and the same values as a tuple, in order.
Sector = Literal[
    "education",
    "health",
    "social care",
    "youth",
    "justice",
    "sport and culture",
    "early years",
    "voluntary",
]
RoleLevel = Literal["frontline", "manager", "leader"]
AgeBand = Literal["under 8", "8-10", "11-13", "14-16", "17-19"]
SECTORS: tuple[Sector, ...] = get_args(Sector)
ROLE_LEVELS: tuple[RoleLevel, ...] = get_args(RoleLevel)
AGE_BANDS: tuple[AgeBand, ...] = get_args(AgeBand)
ROLE_LEVEL_LABELS = {
    "frontline": "Frontline (working directly with children and families)",
    "manager": "Manager or supervisor",
    "leader": "Senior leader",
}
AGE_BAND_LABELS = {
    "under 8": "Under 8",
    "8-10": "8 to 10",
    "11-13": "11 to 13",
    "14-16": "14 to 16",
    "17-19": "17 to 19",
}


def action_status_label(status: str) -> str:
    """The words for an action status given as its value (exports carry plain values)."""
    return ACTION_STATUS_LABELS[ActionStatus(status)]


def support_kind_label(kind: str) -> str:
    """The words for a kind of support given as its value."""
    return SUPPORT_KIND_LABELS[SupportKind(kind)]
