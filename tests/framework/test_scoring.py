"""The scoring rules of design.md section 3, held by worked examples and by Hypothesis properties."""

from __future__ import annotations

import statistics
from collections import defaultdict
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framework.scoring import (
    AnswerRecord,
    RoundTallies,
    compare,
    histogram_median,
    participant_totals,
    score_cells,
    tally,
)

ARCS = ["orange", "green"]
VIEWPOINTS = ["child", "team"]


def rated(
    participant: int, rating: int, *, arc: str = "orange", viewpoint: str = "team", item: str = "x.1"
) -> AnswerRecord:
    return AnswerRecord(participant, arc, viewpoint, item, "rating", rating)


def scores_of(answers: list[AnswerRecord], **kwargs: int):  # type: ignore[no-untyped-def]
    return score_cells(tally(answers), arcs=ARCS, viewpoints=VIEWPOINTS, **kwargs)


def cell(scores, arc: str = "orange", viewpoint: str = "team"):  # type: ignore[no-untyped-def]
    return next(c for c in scores.cells if (c.arc, c.viewpoint) == (arc, viewpoint))


# --- one participant's ratings in an arc -----------------------------------------------------------------


def test_a_participants_ratings_are_kept_as_their_sum_and_number() -> None:
    assert participant_totals([2, 3, 3]) == (8, 3)


def test_a_participant_with_no_rating_has_no_totals() -> None:
    assert participant_totals([]) is None


def test_a_participants_totals_take_any_iterable_once() -> None:
    assert participant_totals(rating for rating in (5, 4)) == (9, 2)


@pytest.mark.parametrize("rating", [0, 6, -1, True, 3.0, "3", None])
def test_a_participants_totals_refuse_what_is_not_a_rating(rating: Any) -> None:
    with pytest.raises(ValueError, match=f"a rating must be a whole number from 1 to 5, not {rating!r}"):
        participant_totals([4, rating])


@given(st.lists(st.integers(1, 5), min_size=1))
def test_a_participants_totals_are_the_sum_and_number_of_the_ratings(ratings: list[int]) -> None:
    assert participant_totals(ratings) == (sum(ratings), len(ratings))


# --- worked examples --------------------------------------------------------------------------------------


def test_a_cell_counts_its_raters_and_takes_the_mean_and_median_of_its_ratings() -> None:
    answers = [rated(p, r) for p in range(5) for r in (2, 4)]
    answers += [rated(9, 5, item="x.1"), rated(9, 4, item="x.2")]
    result = cell(scores_of(answers))
    assert result.n == 6
    assert result.mean == pytest.approx((5 * 2 + 6 * 4 + 5) / 12)
    assert result.median == 4
    assert result.distribution == {"1": 0, "2": 5, "3": 0, "4": 6, "5": 1}


def test_every_rating_weighs_the_same_whoever_gave_it() -> None:
    """Five rated two statements 2, one rated one statement 5: the mean of ratings, 2.27, not the mean of
    arc scores, 2.5, which would give the one person away against the distribution."""
    answers = [rated(p, 2, item=item) for p in range(5) for item in ("x.1", "x.2")] + [rated(9, 5)]
    assert cell(scores_of(answers)).mean == pytest.approx(25 / 11)


def test_dont_know_and_not_applicable_never_count_but_are_counted() -> None:
    answers = [rated(p, 4) for p in range(5)]
    answers += [AnswerRecord(p, "orange", "team", "x.2", "dk") for p in range(3)]
    answers += [AnswerRecord(7, "orange", "team", "x.2", "na")]
    result = cell(scores_of(answers))
    assert (result.n, result.mean, result.dont_know, result.not_applicable) == (5, 4.0, 3, 1)


def test_a_participant_with_no_rating_in_the_arc_is_not_counted() -> None:
    answers = [rated(p, 3) for p in range(5)] + [AnswerRecord(99, "orange", "team", "x.1", "dk")]
    assert cell(scores_of(answers)).n == 5


def test_a_cell_below_the_minimum_group_size_shows_no_figure_at_all() -> None:
    result = cell(
        scores_of([rated(p, 5) for p in range(4)] + [AnswerRecord(1, "orange", "team", "x.2", "dk")])
    )
    assert result.suppressed
    assert [
        result.n,
        result.mean,
        result.median,
        result.spread,
        result.distribution,
        result.dont_know,
        result.not_applicable,
        result.comments,
    ] == [None] * 8


def test_comments_need_ten_participants() -> None:
    nine = [AnswerRecord(p, "orange", "team", "x.1", "rating", 3, comment=f"c{p}") for p in range(9)]
    assert cell(scores_of(nine)).comments is None
    ten = [*nine, AnswerRecord(9, "orange", "team", "x.1", "rating", 3, comment="c9")]
    assert cell(scores_of(ten)).comments == tuple(f"c{p}" for p in range(10))


def test_the_arc_score_weighs_viewpoints_equally_and_skips_suppressed_cells() -> None:
    team = [rated(p, 2) for p in range(50)]
    child = [rated(100 + p, 4, viewpoint="child") for p in range(5)]
    green_child = [rated(200 + p, 5, arc="green", viewpoint="child") for p in range(3)]  # suppressed
    result = scores_of(team + child + green_child)
    assert result.arcs == {"orange": 3.0, "green": None}
    assert result.overall == 3.0


def test_every_arc_and_viewpoint_has_a_cell_in_framework_order() -> None:
    result = scores_of([])
    assert [(c.arc, c.viewpoint) for c in result.cells] == [(a, v) for a in ARCS for v in VIEWPOINTS]
    assert all(c.suppressed for c in result.cells)
    assert result.overall is None


def test_a_rating_outside_one_to_five_is_refused() -> None:
    with pytest.raises(ValueError, match="1 to 5"):
        tally([rated(1, 6)])


# --- properties -------------------------------------------------------------------------------------------

answer_lists = st.lists(
    st.builds(
        AnswerRecord,
        participant=st.integers(0, 30),
        arc=st.sampled_from(ARCS),
        viewpoint=st.sampled_from(VIEWPOINTS),
        item=st.sampled_from(["i1", "i2", "i3"]),
        kind=st.sampled_from(["rating", "rating", "rating", "dk", "na"]),
        rating=st.integers(1, 5),
    ).map(
        lambda a: a if a.kind == "rating" else AnswerRecord(a.participant, a.arc, a.viewpoint, a.item, a.kind)
    ),
    max_size=200,
)


def brute_force(answers: list[AnswerRecord]) -> dict[tuple[str, str], list[list[int]]]:
    """Each cell's participants, each as the list of their ratings, gathered the long way."""
    per_participant: dict[tuple[str, str, int], list[int]] = defaultdict(list)
    for answer in answers:
        if answer.kind == "rating" and answer.rating is not None:
            per_participant[(answer.arc, answer.viewpoint, answer.participant)].append(answer.rating)
    cells: dict[tuple[str, str], list[list[int]]] = defaultdict(list)
    for (arc, viewpoint, _), ratings in per_participant.items():
        cells[(arc, viewpoint)].append(ratings)
    return cells


@given(answer_lists, st.integers(1, 8))
def test_cells_match_the_rules_computed_the_long_way(
    answers: list[AnswerRecord], min_group_size: int
) -> None:
    """n counts the participants who rated; mean, median and spread are those of the cell's ratings."""
    result = scores_of(answers, min_group_size=min_group_size)
    expected = brute_force(answers)
    for c in result.cells:
        participants = expected.get((c.arc, c.viewpoint), [])
        if len(participants) < min_group_size:
            assert c.suppressed and c.n is None and c.mean is None
            continue
        ratings = [rating for given in participants for rating in given]
        assert c.n == len(participants)
        assert c.mean == pytest.approx(statistics.fmean(ratings))
        assert c.median == pytest.approx(statistics.median(ratings))
        if len(ratings) > 1:
            assert c.spread == pytest.approx(statistics.stdev(ratings))
        assert sum(c.distribution.values()) == len(ratings)


@given(answer_lists)
def test_a_cells_mean_median_and_spread_follow_from_its_distribution(answers: list[AnswerRecord]) -> None:
    """So a cell shows nothing its distribution does not: people who rated different numbers of its
    statements cannot be told apart by setting its mean against its counts (issue 13)."""
    for c in scores_of(answers, min_group_size=1).cells:
        if c.distribution is None:
            continue
        ratings = [int(r) for r, count in c.distribution.items() for _ in range(count)]
        assert (c.mean, c.median) == (pytest.approx(statistics.fmean(ratings)), statistics.median(ratings))


@given(answer_lists)
def test_arc_scores_are_means_of_unsuppressed_cell_means(answers: list[AnswerRecord]) -> None:
    result = scores_of(answers)
    for arc in ARCS:
        means = [c.mean for c in result.cells if c.arc == arc and c.mean is not None]
        assert result.arcs[arc] == (pytest.approx(sum(means) / len(means)) if means else None)


@given(st.dictionaries(st.fractions(1, 5, max_denominator=6), st.integers(1, 20), min_size=1))
def test_the_histogram_median_is_the_median_of_the_values(scores: dict[Fraction, int]) -> None:
    values = [value for value, count in scores.items() for _ in range(count)]
    assert histogram_median(scores) == statistics.median(values)


def round_of(answers: list[AnswerRecord], version: str = "2009.1") -> RoundTallies:
    tallies = tally(answers)
    return RoundTallies(version, tallies, {key: frozenset({"i1", "i2"}) for key in tallies})


@settings(max_examples=40)
@given(answer_lists, answer_lists)
def test_comparison_deltas_are_differences_of_scores_with_reproducible_intervals(
    now: list[AnswerRecord], then: list[AnswerRecord]
) -> None:
    current, baseline = round_of(now), round_of(then)
    result = compare(current, baseline, arcs=ARCS, viewpoints=VIEWPOINTS, min_group_size=3)
    again = compare(current, baseline, arcs=ARCS, viewpoints=VIEWPOINTS, min_group_size=3)
    assert result == again
    now_scores = score_cells(current.tallies, arcs=ARCS, viewpoints=VIEWPOINTS, min_group_size=3)
    then_scores = score_cells(baseline.tallies, arcs=ARCS, viewpoints=VIEWPOINTS, min_group_size=3)
    for arc in result.arcs:
        if arc.delta is not None:
            assert arc.delta == pytest.approx(now_scores.arcs[arc.arc] - then_scores.arcs[arc.arc])
            assert arc.ci_low <= arc.ci_high
            assert arc.includes_zero == (arc.ci_low <= 0 <= arc.ci_high)
    for c in result.cells:
        if c.delta is not None:
            assert c.delta == pytest.approx(c.current - c.baseline)
            assert c.includes_zero == (c.ci_low <= 0 <= c.ci_high)


def test_a_clear_improvement_has_an_interval_above_zero() -> None:
    then = [rated(p, 2, item=f"i{1 + p % 2}") for p in range(40)]
    now = [rated(p, 4, item=f"i{1 + p % 2}") for p in range(40)] + [rated(99, 3)]
    result = compare(round_of(now), round_of(then), arcs=ARCS, viewpoints=VIEWPOINTS)
    orange_team = next(c for c in result.cells if (c.arc, c.viewpoint) == ("orange", "team"))
    assert orange_team.delta == pytest.approx((4 * 40 + 3) / 41 - 2)
    assert orange_team.ci_low > 0 and orange_team.includes_zero is False


def test_different_framework_versions_are_not_comparable() -> None:
    answers = [rated(p, 3) for p in range(10)]
    result = compare(round_of(answers, "2010.1"), round_of(answers), arcs=ARCS, viewpoints=VIEWPOINTS)
    assert all(not c.comparable and c.delta is None for c in result.cells)
    assert all(a.delta is None for a in result.arcs)


def test_a_cell_whose_statements_changed_is_not_comparable() -> None:
    answers = [rated(p, 3) for p in range(10)]
    current = round_of(answers)
    changed = RoundTallies(
        "2009.1", current.tallies, {key: frozenset({"i1", "i9"}) for key in current.tallies}
    )
    result = compare(current, changed, arcs=ARCS, viewpoints=VIEWPOINTS)
    orange_team = next(c for c in result.cells if (c.arc, c.viewpoint) == ("orange", "team"))
    assert (orange_team.comparable, orange_team.delta) == (False, None)
