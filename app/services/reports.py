"""A round's report: the round and its trust, its published scores, its targets and, when a baseline is
chosen, the baseline's published scores and the comparison of the two.

Worked out here once for every output that shows a round: the results pages, the charts and the downloads.
Every figure comes from the rounds' latest publications (`app.services.disclosure.published`), never from
live answers. Access is checked on the way in (`app.store.rounds.get_round_and_baseline`): a round or
baseline of another trust is not found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from sqlmodel import Session

from app.config import Settings
from app.db.tables import Round, Trust
from app.identity import Staff
from app.services.disclosure.published import PublishedRound, comparison_tallies, published_round
from app.store import disclosures, rounds, targets
from app.store.targets import TargetKey
from framework.model import Framework
from framework.scoring import Comparison, RoundTallies, Scores, compare
from surveys import SurveyBook

#: Compare with the trust's latest round before this one (what the results pages show by default).
ROUND_BEFORE: Literal["before"] = "before"
#: A baseline round's id, the round before (`ROUND_BEFORE`), or None for no baseline.
BaselineChoice = int | Literal["before"] | None


@dataclass(frozen=True)
class Thresholds:
    """The installation's suppression thresholds: k for figures, and a larger one for free text."""

    min_group_size: int
    comment_min_group_size: int

    @classmethod
    def of(cls, settings: Settings) -> Thresholds:
        return cls(settings.min_group_size, settings.comment_min_group_size)


@dataclass(frozen=True)
class RoundReport:
    trust: Trust
    round: Round
    published: PublishedRound
    targets: Mapping[TargetKey, float]
    baseline: Round | None = None
    baseline_published: PublishedRound | None = None
    comparison: Comparison | None = None

    @property
    def scores(self) -> Scores:
        return self.published.scores

    @property
    def baseline_scores(self) -> Scores | None:
        return None if self.baseline_published is None else self.baseline_published.scores

    def without_baseline(self) -> RoundReport:
        """The round alone, as if no baseline had been chosen."""
        return replace(self, baseline=None, baseline_published=None, comparison=None)


@dataclass(frozen=True)
class ReportContext:
    """What a report needs of the service besides the database: the framework, questionnaires, thresholds."""

    framework: Framework
    surveys: SurveyBook
    thresholds: Thresholds

    def published(self, db: Session, db_round: Round) -> PublishedRound:
        """`db_round` as its latest publication shows it, under these thresholds.

        :raises NotPublished: the round has not been published.
        """
        assert db_round.id is not None
        return published_round(
            db,
            round_id=db_round.id,
            framework=self.framework,
            min_group_size=self.thresholds.min_group_size,
        )


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

    `with_comparison=False` skips the bootstrap intervals (a chart needs only the two rounds' scores). The
    round before, as a default baseline, is the latest published one.

    :raises NotFound: an unknown round or baseline, or one in another trust; :raises Forbidden: no access;
        :raises Invalid: the round as its own baseline (naming `field`); :raises NotPublished: either round
        not yet published.
    """
    baseline_id = baseline if isinstance(baseline, int) else None
    db_round, trust, baseline_round = rounds.get_round_and_baseline(
        db, staff=staff, round_id=round_id, baseline_id=baseline_id, field=field
    )
    published = context.published(db, db_round)
    if baseline == ROUND_BEFORE:
        trust_rounds = rounds.rounds_of(db, trust_id=db_round.trust_id)
        ever = disclosures.published_ids(db, round_ids=[r.id for r in trust_rounds if r.id is not None])
        earlier = [r for r in trust_rounds if r.id in ever]
        baseline_round = rounds.round_before(db_round, earlier)
    levels = targets.by_key(targets.targets_of(db, round_id=round_id))
    report = RoundReport(trust=trust, round=db_round, published=published, targets=levels)
    if baseline_round is None:
        return report
    baseline_published = context.published(db, baseline_round)
    comparison = None
    if with_comparison:
        comparison = compare(
            _tallies(published, db_round, context),
            _tallies(baseline_published, baseline_round, context),
            arcs=context.framework.arc_keys,
            viewpoints=context.framework.viewpoint_keys,
            min_group_size=context.thresholds.min_group_size,
        )
    return replace(
        report, baseline=baseline_round, baseline_published=baseline_published, comparison=comparison
    )


def _tallies(published: PublishedRound, db_round: Round, context: ReportContext) -> RoundTallies:
    return comparison_tallies(
        published,
        framework_version=db_round.framework_version,
        framework=context.framework,
        surveys=context.surveys,
    )
