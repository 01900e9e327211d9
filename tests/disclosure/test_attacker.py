"""The attacker over many generated rounds (Hypothesis): answers arriving in focus groups on tablets and on
paper, imports, rooms revealed, groups closing, entries into closed groups and published rounds (refused),
publication and republication, and another trust publishing. Whatever happens, nothing the lead and the viewer
are given may determine what a group of fewer than k respondents said.

200 rounds in CI (CI=true); RAINBOW_ATTACKER_EXAMPLES sets how many elsewhere (25 by default).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from tests.disclosure.attacker import ITEMS, VIEWPOINTS, Attacker, Stats
from tests.disclosure.conftest import FreshApp
from tests.disclosure.truth import Answer

pytestmark = pytest.mark.database
EXAMPLES = int(os.environ.get("RAINBOW_ATTACKER_EXAMPLES") or (200 if os.environ.get("CI") else 25))
settings.register_profile(
    "attacker",
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

REST = ("reopen", "import", "other")
answers = st.sampled_from((*(1, 2, 3, 4, 5) * 4, "dk"))


def people(most: int) -> st.SearchStrategy[list[tuple[Answer, ...]]]:
    """A few people, each answering the three statements of their viewpoint (in order)."""
    return st.lists(st.tuples(answers, answers, answers), min_size=1, max_size=most)


def as_answers(group: list[tuple[Answer, ...]], viewpoint: str) -> list[Mapping[str, Answer]]:
    return [dict(zip(ITEMS[viewpoint], person, strict=True)) for person in group]


@st.composite
def event(draw: st.DrawFn) -> tuple[object, ...]:
    kind = draw(st.sampled_from([*["arrive"] * 5, "session", "reveal", "reveal", "close", "publish", *REST]))
    viewpoint = draw(st.sampled_from(VIEWPOINTS))
    if kind == "arrive":
        via = draw(st.sampled_from(["tablet", "tablet", "paper_facilitator", "paper_lead"]))
        return (kind, draw(st.integers(0, 20)), draw(people(6)), via)
    if kind == "import":
        return (kind, viewpoint, draw(people(5)))
    return (kind, viewpoint, draw(st.integers(0, 20)))


def play(attacker: Attacker, events: list[tuple[object, ...]], *, pdf: bool = True) -> None:
    for viewpoint in VIEWPOINTS:
        attacker.new_session(viewpoint)
    for kind, *args in events:
        if kind == "session":
            attacker.new_session(str(args[0]))
        elif kind == "arrive":
            index, group, via = args
            index = int(index) % len(attacker.sessions)  # type: ignore[call-overload]
            viewpoint = attacker.sessions[index].viewpoint
            attacker.arrive(index, as_answers(group, viewpoint), str(via))  # type: ignore[arg-type]
        elif kind == "import":
            attacker.import_csv(str(args[0]), as_answers(args[1], str(args[0])))  # type: ignore[arg-type]
        elif kind in ("reveal", "close"):
            index = int(args[1]) % len(attacker.sessions)  # type: ignore[call-overload]
            getattr(attacker, kind)(index)
        elif kind == "publish":
            if int(args[1]) % 2 == 0:  # type: ignore[call-overload]
                for index in range(len(attacker.sessions)):  # as a lead does before publishing
                    attacker.close(index)
            attacker.publish()
        elif kind == "reopen":
            attacker.reopen()
        else:
            attacker.other_trust_publishes()
        attacker.observe()
    attacker.finish(pdf=pdf)


@settings(settings.get_profile("attacker"))
@given(events=st.lists(event(), min_size=2, max_size=12), pdf=st.integers(0, 7).map(lambda n: n == 0))
def test_no_generated_round_lets_the_lead_and_viewer_work_out_a_small_groups_answers(
    fresh_app: FreshApp, events: list[tuple[object, ...]], pdf: bool
) -> None:
    """The board pack takes seconds to draw, so one round in eight reads it; every other output every time."""
    note(f"events: {events!r}")  # Hypothesis prints them with a failure, to replay it
    with fresh_app() as (client, world):
        attacker = Attacker(client, world)
        play(attacker, events, pdf=pdf)
        Stats.tally.rounds += 1
        findings = attacker.findings()
    assert not findings, "\n".join(str(f) for f in findings[:5])
