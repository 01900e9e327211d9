"""A round's report: the round and its trust, its scores after suppression, its targets and, when a baseline
is chosen, the baseline's scores and the comparison of the two.

Worked out here once for every output that shows a round: the results pages, the charts and the downloads.
Access is checked on the way in (`app.store.rounds.get_round_and_baseline`): a round or baseline of another
trust is not found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from sqlmodel import Session

from app.db.tables import Round, Trust
from app.identity import Staff
from app.store import rounds, targets
from app.store.scores import Thresholds, compare_rounds, round_scores
from app.store.targets import TargetKey
from framework.model import Framework
from framework.scoring import Comparison, Scores
from surveys import SurveyBook

#: Compare with the trust's latest round before this one (what the results pages show by default).
ROUND_BEFORE: Literal["before"] = "before"
#: A baseline round's id, the round before (`ROUND_BEFORE`), or None for no baseline.
BaselineChoice = int | Literal["before"] | None


@dataclass(frozen=True)
class RoundReport:
    trust: Trust
    round: Round
    scores: Scores
    targets: Mapping[TargetKey, float]
    baseline: Round | None = None
    baseline_scores: Scores | None = None
    comparison: Comparison | None = None

    def without_baseline(self) -> RoundReport:
        """The round alone, as if no baseline had been chosen."""
        return replace(self, baseline=None, baseline_scores=None, comparison=None)


@dataclass(frozen=True)
class ReportContext:
    """What a report needs of the service besides the database: the framework, questionnaires, thresholds."""

    framework: Framework
    surveys: SurveyBook
    thresholds: Thresholds


def round_report(
    db: Session,
    *,
    staff: Staff,
    round_id: int,
    baseline: BaselineChoice,
    context: ReportContext,
    with_comparison: bool = True,
    field: str = "baseline",
) -> RoundReport:
    """The report of a round `staff` may read, against `baseline` when one is chosen.

    `with_comparison=False` skips the bootstrap intervals (a chart needs only the two rounds' scores).

    :raises NotFound: an unknown round or baseline, or one in another trust; :raises Forbidden: no access;
        :raises Invalid: the round as its own baseline (naming `field`).
    """
    baseline_id = baseline if isinstance(baseline, int) else None
    db_round, trust, baseline_round = rounds.get_round_and_baseline(
        db, staff=staff, round_id=round_id, baseline_id=baseline_id, field=field
    )
    if baseline == ROUND_BEFORE:
        baseline_round = rounds.round_before(db_round, rounds.rounds_of(db, trust_id=db_round.trust_id))
    scores = _scores(db, db_round, context)
    levels = targets.by_key(targets.targets_of(db, round_id=round_id))
    report = RoundReport(trust=trust, round=db_round, scores=scores, targets=levels)
    if baseline_round is None:
        return report
    comparison = None
    if with_comparison:
        comparison = compare_rounds(
            db,
            current=db_round,
            baseline=baseline_round,
            framework=context.framework,
            surveys=context.surveys,
            thresholds=context.thresholds,
        )
    return replace(
        report,
        baseline=baseline_round,
        baseline_scores=_scores(db, baseline_round, context),
        comparison=comparison,
    )


def _scores(db: Session, db_round: Round, context: ReportContext) -> Scores:
    assert db_round.id is not None
    return round_scores(db, round_id=db_round.id, framework=context.framework, thresholds=context.thresholds)
