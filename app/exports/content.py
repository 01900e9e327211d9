"""What every export of a round holds, gathered once by the service and handed to the writers.

The writers (`tabular`, `board_pack`) never query the database and never decide suppression: the scores they
get have already been through the scoring rules, so a suppressed cell reaches them with every figure None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from framework.model import Framework
from framework.scoring import Comparison, Scores
from framework.trend import TrendLine


@dataclass(frozen=True)
class RawAnswer:
    """One anonymous answer from an unsuppressed cell, for leads' XLSX only. `respondent` is a number local
    to the export (1, 2, ...), never a database id or token."""

    respondent: int
    viewpoint: str
    arc: str
    item: str
    rating: int | None
    kind: str  # rating, dk or na
    sector: str | None
    role_level: str | None


@dataclass(frozen=True)
class TargetLine:
    """The level (1 to 5) the trust wants an arc to reach; for one viewpoint, or the arc as a whole."""

    arc: str
    viewpoint: str | None
    level: float


@dataclass(frozen=True)
class ActionLine:
    """One row of the trust's action plan (the Leicestershire table's columns)."""

    title: str
    arcs: tuple[str, ...]
    outcomes: str | None
    timescale: str | None
    due: date | None
    lead_officer: str | None
    resources: str | None
    status: str  # an app.choices.ActionStatus value


@dataclass(frozen=True)
class SupportLine:
    arc: str
    kind: str  # an app.choices.SupportKind value
    description: str


@dataclass(frozen=True)
class EnteredLine:
    """Answers staff typed in (paper questionnaires) or imported in a cell shown: whose, and by whom."""

    arc: str
    viewpoint: str
    people: int
    who: str  # "email (count); ..."


@dataclass(frozen=True)
class TrendSheet:
    """The trust over the years: its published rounds' names, earliest first, and each arc across them."""

    rounds: tuple[str, ...]
    lines: tuple[TrendLine, ...]


@dataclass(frozen=True)
class RoundContent:
    framework: Framework
    trust_name: str
    round_name: str
    period_start: date | None
    period_end: date | None
    scores: Scores
    generated_at: datetime
    comment_min_group_size: int
    baseline_name: str | None = None
    baseline_scores: Scores | None = None
    comparison: Comparison | None = None
    #: Present only when the reader may see raw answers (leads), and only from unsuppressed cells.
    raw_answers: Sequence[RawAnswer] | None = None
    #: The rainbow drawn by the service (framework/rainbow.py), PNG bytes: the round against its baseline
    #: when there is one.
    rainbow_png: bytes | None = None
    targets: Sequence[TargetLine] = ()
    actions: Sequence[ActionLine] = ()
    support_needs: Sequence[SupportLine] = ()
    #: Per cell shown, the answers staff entered (design.md section 3a: the method note says so).
    entered_by_staff: Sequence[EnteredLine] = ()
    publication: int = 0
    #: The trust's arcs across its published rounds (the XLSX's Trend sheet); None for other downloads.
    trend: TrendSheet | None = None
