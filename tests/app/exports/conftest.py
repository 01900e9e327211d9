"""Rounds to export, scored by the real framework and scoring rules from small made-up answers.

Every cell has five to seven participants except SUPPRESSED, which has three (below the minimum group size of
five) so that it is suppressed. With a comparison, the baseline round asked different statements in
NOT_COMPARABLE and had too few answers in BASELINE_SUPPRESSED. With a plan, the round has TARGETS (one of them
on the suppressed cell), ACTIONS (JOINT_INDUCTION on two arcs) and SUPPORT_NEEDS.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Wedge

from app.exports.content import ActionLine, RawAnswer, RoundContent, SupportLine, TargetLine
from framework.model import DEFAULT_FRAMEWORK_FILE, Framework, load_framework
from framework.scoring import AnswerRecord, RoundTallies, compare, score_cells, tally

SUPPRESSED = ("red", "child")
NOT_COMPARABLE = ("green", "team")
BASELINE_SUPPRESSED = ("orange", "service")
MIN_GROUP_SIZE = 5
COMMENT_MIN_GROUP_SIZE = 10

MakeContent = Callable[..., RoundContent]

TARGETS = (
    TargetLine("red", None, 4.0),
    TargetLine(*SUPPRESSED, 3.5),
    TargetLine("red", "practitioner", 4.25),
    TargetLine("green", None, 2.5),
)
JOINT_INDUCTION = ActionLine(
    title="Joint induction for new starters <across health & care>",
    arcs=("red", "green"),
    outcomes="Every new starter meets partner agencies in their first month.\nFewer handover delays.",
    timescale="By March 2026",
    due=date(2026, 3, 31),
    lead_officer="Head of Workforce Development",
    resources="£12,000 from the workforce budget",
    status="on_track",
)
ACTIONS = (
    JOINT_INDUCTION,
    ActionLine(
        title="Young people on every interview panel",
        arcs=("pink",),
        outcomes="Young people help choose the staff who work with them.",
        timescale="Summer 2026",
        due=None,
        lead_officer=None,
        resources=None,
        status="not_started",
    ),
    ActionLine(
        title="Audit the quality of supervision",
        arcs=("indigo",),
        outcomes=None,
        timescale=None,
        due=date(2025, 12, 1),
        lead_officer="Principal Social Worker",
        resources="Two days of an auditor's time",
        status="at_risk",
    ),
)
SUPPORT_NEEDS = (
    SupportLine("indigo", "leadership", "A peer mentor for new team managers."),
    SupportLine("red", "training", "Joint safeguarding training for schools & early years."),
    SupportLine("red", "data", "Help to link workforce and outcome data."),
)


@pytest.fixture(scope="session")
def framework() -> Framework:
    return load_framework(DEFAULT_FRAMEWORK_FILE)


def made_up_answers(framework: Framework, *, baseline: bool = False) -> list[AnswerRecord]:
    """Ratings of 2 to 5 from five to seven participants per cell, plus a don't know and a not applicable;
    the suppressed cell (three participants) rates 1 and 2 only."""
    shift = 1 if baseline else 0
    few = BASELINE_SUPPRESSED if baseline else SUPPRESSED
    answers: list[AnswerRecord] = []
    participant = 0
    for i, arc in enumerate(framework.arc_keys):
        for j, viewpoint in enumerate(framework.viewpoint_keys):
            prefix = f"{arc}.{viewpoint}" + (
                ".old" if baseline and (arc, viewpoint) == NOT_COMPARABLE else ""
            )
            if (arc, viewpoint) == few:
                for ratings in ((1,), (1, 2), (1,)):
                    participant += 1
                    answers += [
                        AnswerRecord(participant, arc, viewpoint, f"{prefix}.{k}", "rating", rating)
                        for k, rating in enumerate(ratings, start=1)
                    ]
                answers.append(AnswerRecord(participant, arc, viewpoint, f"{prefix}.3", "dk"))
                continue
            for p in range(5 + (i + j + shift) % 3):
                participant += 1
                answers += [
                    AnswerRecord(
                        participant, arc, viewpoint, f"{prefix}.{k}", "rating", 2 + (p + k * i + j) % 4
                    )
                    for k in (1, 2)
                ]
            answers.append(AnswerRecord(participant, arc, viewpoint, f"{prefix}.3", "dk"))
            answers.append(AnswerRecord(participant - 1, arc, viewpoint, f"{prefix}.3", "na"))
    return answers


def round_tallies(framework: Framework, answers: list[AnswerRecord]) -> RoundTallies:
    items: dict[tuple[str, str], set[str]] = defaultdict(set)
    for answer in answers:
        items[(answer.arc, answer.viewpoint)].add(answer.item)
    return RoundTallies(
        framework_version=framework.version,
        tallies=tally(answers),
        items={key: frozenset(value) for key, value in items.items()},
    )


def raw_answers(answers: list[AnswerRecord]) -> list[RawAnswer]:
    """The answers as a lead's export gives them: numbered respondents, none from the suppressed cell."""
    numbers: dict[int, int] = {}
    return [
        RawAnswer(
            respondent=numbers.setdefault(a.participant, len(numbers) + 1),
            viewpoint=a.viewpoint,
            arc=a.arc,
            item=a.item,
            rating=a.rating,
            kind=a.kind,
            sector="Health",
            role_level="Frontline",
        )
        for a in answers
        if (a.arc, a.viewpoint) != SUPPRESSED
    ]


def placeholder_rainbow() -> bytes:
    """A stand-in for the service's rainbow picture: a few coloured half rings."""
    figure = Figure(figsize=(6, 3), dpi=60)
    axes = figure.add_axes((0, 0, 1, 1))
    for index, colour in enumerate(("#C62828", "#EF6C00", "#F9A825", "#2E7D32")):
        axes.add_patch(Wedge((0, 0), 1 - index * 0.2, 0, 180, width=0.18, color=colour))
    axes.set_xlim(-1.05, 1.05)
    axes.set_ylim(0, 1.05)
    axes.set_axis_off()
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def build_content(
    framework: Framework,
    *,
    compared: bool = False,
    raw: bool = False,
    rainbow: bool = False,
    trust_name: str = "Northshire Children's Trust",
    round_name: str = "Spring 2025",
    baseline_name: str = "Autumn 2024",
    plan: bool = False,
) -> RoundContent:
    answers = made_up_answers(framework)
    arcs, viewpoints = framework.arc_keys, framework.viewpoint_keys
    scores = score_cells(
        tally(answers),
        arcs=arcs,
        viewpoints=viewpoints,
        min_group_size=MIN_GROUP_SIZE,
        comment_min_group_size=COMMENT_MIN_GROUP_SIZE,
    )
    extra: dict[str, object] = {}
    if compared:
        before = made_up_answers(framework, baseline=True)
        extra["baseline_name"] = baseline_name
        extra["baseline_scores"] = score_cells(
            tally(before), arcs=arcs, viewpoints=viewpoints, min_group_size=MIN_GROUP_SIZE
        )
        extra["comparison"] = compare(
            round_tallies(framework, answers),
            round_tallies(framework, before),
            arcs=arcs,
            viewpoints=viewpoints,
            min_group_size=MIN_GROUP_SIZE,
        )
    return RoundContent(
        framework=framework,
        trust_name=trust_name,
        round_name=round_name,
        period_start=date(2025, 3, 1),
        period_end=date(2025, 4, 30),
        scores=scores,
        generated_at=datetime(2025, 5, 12, 14, 3, tzinfo=UTC),
        comment_min_group_size=COMMENT_MIN_GROUP_SIZE,
        raw_answers=raw_answers(answers) if raw else None,
        rainbow_png=placeholder_rainbow() if rainbow else None,
        targets=TARGETS if plan else (),
        actions=ACTIONS if plan else (),
        support_needs=SUPPORT_NEEDS if plan else (),
        **extra,  # type: ignore[arg-type]
    )


def with_figures_in_suppressed_cell(content: RoundContent) -> RoundContent:
    """A cell marked suppressed that still carries figures: the writers must go by the mark."""
    cells = tuple(
        dataclasses.replace(
            c, n=987, mean=4.987, median=1.5, spread=0.5, distribution=dict.fromkeys("12345", 7), dont_know=3
        )
        if (c.arc, c.viewpoint) == SUPPRESSED
        else c
        for c in content.scores.cells
    )
    return dataclasses.replace(content, scores=dataclasses.replace(content.scores, cells=cells))


@pytest.fixture(scope="session")
def make_content(framework: Framework) -> MakeContent:
    """Build a round's export content: `make_content(compared=True, raw=True, plan=True, trust_name=...)`.
    The content is frozen, so one build serves every test that asks for the same."""

    def make(**options: object) -> RoundContent:
        return build_content(framework, **options)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def content(make_content: MakeContent) -> RoundContent:
    return make_content()


@pytest.fixture(scope="session")
def compared_content(make_content: MakeContent) -> RoundContent:
    return make_content(compared=True)


@pytest.fixture(scope="session")
def plan_content(make_content: MakeContent) -> RoundContent:
    """A round compared with its baseline, with targets, an action plan and support needs."""
    return make_content(compared=True, plan=True)
