"""The rules of design.md section 3a, as framework.disclosure decides them from counts of raters."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from framework.disclosure import (
    FigureKey,
    Hidden,
    Nesting,
    Shown,
    decide,
    decide_reveal,
    difference_is_safe,
    more_raters_needed,
)

K = 5
CELL = FigureKey.cell("orange", "child")
S1 = FigureKey.statement("orange", "child", "orange.child.1")
S2 = FigureKey.statement("orange", "child", "orange.child.2")


def test_a_figure_with_fewer_than_k_raters_is_too_few_to_show() -> None:
    assert decide({CELL: 4}, k=K)[CELL] is Hidden.TOO_FEW


def test_a_figure_with_k_raters_is_shown() -> None:
    assert decide({CELL: 5}, k=K)[CELL] is Shown.NEW


@given(st.integers(min_value=0, max_value=100))
def test_a_difference_is_safe_only_when_none_or_at_least_k_raters_differ(difference: int) -> None:
    assert difference_is_safe(difference, K) == (difference == 0 or difference >= K)


def test_a_statement_rated_by_all_but_a_few_of_its_cell_is_hidden_with_its_siblings() -> None:
    outcome = decide({CELL: 6, S1: 5, S2: 6}, k=K)
    assert outcome[CELL] is Shown.NEW
    assert outcome[S1] is Hidden.DIFFERENCE
    assert outcome[S2] is Hidden.DIFFERENCE  # alone, the cell minus S2 would give S1 back


def test_statements_rated_by_the_whole_cell_are_shown() -> None:
    outcome = decide({CELL: 6, S1: 6, S2: 6}, k=K)
    assert {outcome[S1], outcome[S2]} == {Shown.NEW}


def test_statements_missing_k_or_more_of_their_cell_are_shown() -> None:
    outcome = decide({CELL: 12, S1: 7, S2: 12}, k=K)
    assert {outcome[S1], outcome[S2]} == {Shown.NEW}


def test_one_statement_too_few_hides_all_the_statements_of_its_cell() -> None:
    outcome = decide({CELL: 20, S1: 3, S2: 20}, k=K)
    assert outcome[S1] is Hidden.TOO_FEW
    assert outcome[S2] is Hidden.DIFFERENCE


def test_the_statements_of_a_hidden_cell_are_hidden() -> None:
    outcome = decide({CELL: 7, S1: 7, S2: 7}, k=K, nestings=[Nesting(CELL, 2)])
    assert outcome[CELL] is Hidden.DIFFERENCE
    assert {outcome[S1], outcome[S2]} == {Hidden.DIFFERENCE}


def test_a_figure_nested_within_a_few_raters_of_one_already_seen_and_never_published_is_hidden() -> None:
    assert decide({CELL: 7}, k=K, nestings=[Nesting(CELL, 2)])[CELL] is Hidden.DIFFERENCE


def test_a_figure_nested_with_k_raters_of_difference_is_shown() -> None:
    assert decide({CELL: 10}, k=K, nestings=[Nesting(CELL, 5)])[CELL] is Shown.NEW


def test_a_figure_whose_raters_were_all_typed_in_by_one_person_is_shown() -> None:
    assert decide({CELL: 6}, k=K, nestings=[Nesting(CELL, 0)])[CELL] is Shown.NEW


def test_a_republished_figure_a_few_raters_larger_shows_the_earlier_figure_again() -> None:
    outcome = decide({CELL: 7}, k=K, nestings=[Nesting(CELL, 2)], has_earlier=frozenset({CELL}))
    assert outcome[CELL] is Shown.EARLIER


def test_without_an_earlier_figure_there_is_nothing_to_show_again() -> None:
    outcome = decide({CELL: 7}, k=K, nestings=[Nesting(CELL, 2)])
    assert outcome[CELL] is Hidden.DIFFERENCE


def test_statements_of_a_cell_are_never_a_mix_of_earlier_and_new() -> None:
    outcome = decide(
        {CELL: 20, S1: 20, S2: 20},
        k=K,
        nestings=[Nesting(S1, 2), Nesting(S2, 0)],
        has_earlier=frozenset({S1, S2}),
    )
    assert {outcome[S1], outcome[S2]} == {Shown.EARLIER}


def test_a_reveal_hides_statements_with_too_few_raters() -> None:
    assert decide_reveal({"orange.child.1": 4, "orange.child.2": 5}, k=K) == {
        "orange.child.1": Hidden.TOO_FEW,
        "orange.child.2": Shown.NEW,
    }


def test_a_reveal_keeps_showing_the_last_figure_until_k_raters_have_changed() -> None:
    outcome = decide_reveal(
        {"orange.child.1": 6},
        k=K,
        nestings=[("orange.child.1", 1)],
        revealed_before=frozenset({"orange.child.1"}),
    )
    assert outcome["orange.child.1"] is Shown.EARLIER


def test_a_reveal_padded_by_a_facilitator_stays_hidden() -> None:
    outcome = decide_reveal({"orange.child.1": 5}, k=K, nestings=[("orange.child.1", 3)])
    assert outcome["orange.child.1"] is Hidden.DIFFERENCE


def test_more_raters_needed_counts_up_to_k() -> None:
    assert [more_raters_needed(n, k=K) for n in (0, 3, 5, 9)] == [5, 2, 0, 0]


def test_every_reason_is_said_in_words() -> None:
    assert Hidden.TOO_FEW.words == "too few answers to show"
    assert Hidden.DIFFERENCE.words == "hidden so that another hidden figure cannot be worked out"
