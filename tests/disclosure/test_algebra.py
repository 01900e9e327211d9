"""The attacker's algebra (tests/disclosure/algebra.py): a quantity is determined exactly when its vector lies
in the row space of the figures' equations."""

from __future__ import annotations

from tests.disclosure.algebra import RATINGS, Knowledge, Target, Unknown, rank_says_determined


def ratings_of(people: range, item: str = "s") -> dict[Unknown, float]:
    return {(p, item, r): float(r) for p in people for r in RATINGS}


def counts_of(people: range, rating: int, item: str = "s") -> dict[Unknown, float]:
    return {(p, item, rating): 1.0 for p in people}


def test_a_figure_minus_a_figure_within_it_determines_the_difference() -> None:
    knowledge = Knowledge()
    knowledge.add("cell of 6", ratings_of(range(6)))
    knowledge.add("room of 4", ratings_of(range(4)))
    [finding] = knowledge.determined([Target("the other two", ratings_of(range(4, 6)))])
    assert set(finding.given_away_by) == {"cell of 6", "room of 4"}


def test_a_group_within_a_figure_of_k_is_not_determined_by_it_alone() -> None:
    knowledge = Knowledge()
    for rating in RATINGS:
        knowledge.add(f"count of {rating}s", counts_of(range(5), rating))
    knowledge.add("sum", ratings_of(range(5)))
    targets = [Target("two of them", ratings_of(range(2))), Target("one", ratings_of(range(1)))]
    assert knowledge.determined(targets) == []


def test_the_figures_are_named_before_what_the_attacker_knew_anyway() -> None:
    knowledge = Knowledge()
    knowledge.add("the lead's own entry (respondent 0, s)", ratings_of(range(1)))
    knowledge.add("cell of 3", ratings_of(range(3)))
    [finding] = knowledge.determined([Target("the other two", ratings_of(range(1, 3)))])
    assert finding.given_away_by[0] == "cell of 3"


def test_repeated_figures_are_one_equation() -> None:
    knowledge = Knowledge()
    knowledge.add("the API", ratings_of(range(5)))
    knowledge.add("the CSV", ratings_of(range(5)))
    assert [e.label for e in knowledge.equations] == ["the API"]


def test_the_row_space_test_agrees_with_the_rank_definition() -> None:
    equations = [ratings_of(range(6)), ratings_of(range(4)), counts_of(range(6), 3)]
    for target in (ratings_of(range(4, 6)), ratings_of(range(5, 6)), counts_of(range(4), 3)):
        knowledge = Knowledge()
        for n, equation in enumerate(equations):
            knowledge.add(str(n), equation)
        assert bool(knowledge.determined([Target("t", target)])) == rank_says_determined(equations, target)
