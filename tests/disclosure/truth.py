"""The hidden respondents as the attacker's harness knows them (the attacker itself never reads them): who
answered what, in which focus group, typed in by whom and when; the scope of every figure; and the quantities
that must stay hidden.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from tests.disclosure.algebra import RATINGS, Target, Unknown

#: One answer: a rating 1 to 5, or "dk".
Answer = int | str


@dataclass(frozen=True)
class Respondent:
    number: int
    session: int  # the harness's number for the focus group
    viewpoint: str
    answers: dict[str, Answer]
    arrived: int  # the moment the answers arrived (a step counter)
    entered_by: str | None = None  # "lead" or "facilitator" for paper and imports

    def rated(self, items: Iterable[str]) -> list[str]:
        return [item for item in items if isinstance(self.answers.get(item), int)]


@dataclass(frozen=True)
class Scope:
    """The answers a figure is worked out from: one statement or one cell (an arc from a viewpoint), among
    the respondents who had arrived by `moment` (and of one focus group, for a room)."""

    viewpoint: str
    items: tuple[str, ...]  # one statement, or the cell's statements
    moment: int
    session: int | None = None
    cell: bool = False


@dataclass
class Truth:
    k: int
    respondents: list[Respondent] = field(default_factory=list)
    now: int = 0
    #: the moments at which something was disclosed (publications, reveals), to form groups between them
    moments: list[int] = field(default_factory=list)
    #: how many small groups `targets` found last
    groups: int = 0

    def tick(self) -> int:
        self.now += 1
        return self.now

    def add(self, session: int, viewpoint: str, answers: dict[str, Answer], entered_by: str | None) -> None:
        self.respondents.append(
            Respondent(len(self.respondents), session, viewpoint, answers, self.now, entered_by)
        )

    def remove_since(self, moment: int, session: int) -> None:
        """Answers the app refused (a closed session, a published round) were never taken."""
        self.respondents = [r for r in self.respondents if not (r.session == session and r.arrived > moment)]

    def raters(self, scope: Scope) -> list[Respondent]:
        return [
            r
            for r in self.respondents
            if r.viewpoint == scope.viewpoint
            and r.arrived <= scope.moment
            and (scope.session is None or r.session == scope.session)
            and r.rated(scope.items)
        ]

    # --- figures as equations ------------------------------------------------------------------

    def counts(self, scope: Scope, rating: int) -> dict[Unknown, float]:
        """How many of the scope's answers are `rating`."""
        return {(r.number, item, rating): 1.0 for r in self.raters(scope) for item in r.rated(scope.items)}

    def total(self, scope: Scope) -> dict[Unknown, float]:
        """The mean times the number of ratings: the sum of the scope's ratings (a statement's, or a cell's,
        whose mean weighs every rating the same)."""
        vector: dict[Unknown, float] = {}
        for r in self.raters(scope):
            for item in r.rated(scope.items):
                for rating in RATINGS:
                    vector[(r.number, item, rating)] = float(rating)
        return vector

    def value_counts(self, scope: Scope) -> tuple[int, ...]:
        tally = [0] * 5
        for r in self.raters(scope):
            for item in r.rated(scope.items):
                tally[int(r.answers[item]) - 1] += 1
        return tuple(tally)

    def value_mean(self, scope: Scope) -> float | None:
        people = self.raters(scope)
        if not people:
            return None
        ratings = [int(r.answers[i]) for r in people for i in r.rated(scope.items)]
        return sum(ratings) / len(ratings)

    def known_to_lead(self) -> Iterable[tuple[str, dict[Unknown, float]]]:
        """The answers the attacking lead typed in or imported themselves: known to them one by one."""
        for r in self.respondents:
            if r.entered_by == "lead":
                for item in r.rated(r.answers):
                    for rating in RATINGS:
                        yield (
                            f"the lead's own entry (respondent {r.number}, {item})",
                            {(r.number, item, rating): 1.0},
                        )

    def one_rating_each(self) -> Iterable[tuple[str, dict[Unknown, float]]]:
        """What anyone knows of the shape of the data: each rating given is exactly one of 1 to 5."""
        for r in self.respondents:
            for item in r.rated(r.answers):
                yield "each answer is one rating", {(r.number, item, rating): 1.0 for rating in RATINGS}

    # --- what must stay hidden ------------------------------------------------------------------

    def targets(self, cells: Sequence[tuple[str, tuple[str, ...]]]) -> list[Target]:
        """Every small group of hidden respondents (fewer than k raters) that some figure could be differenced
        down to, for every statement and cell: their sum and their count of each rating; and each hidden
        respondent's own rating of each statement and own arc score."""
        found: dict[tuple[str, frozenset[int], tuple[str, ...]], list[Target]] = {}
        for viewpoint, items in cells:
            scopes = [(items, True), *(((item,), False) for item in items)]
            for scope_items, is_cell in scopes:
                for name, group in self._groups(viewpoint, scope_items):
                    key = (viewpoint, frozenset(r.number for r in group), scope_items)
                    if 0 < len(key[1]) < self.k and key not in found:
                        found[key] = _group_targets(name, group, scope_items, is_cell)
        self.groups = len(found)
        return [target for targets in found.values() for target in targets]

    def _groups(self, viewpoint: str, items: tuple[str, ...]) -> Iterable[tuple[str, list[Respondent]]]:
        hidden = [
            r
            for r in self.respondents
            if r.viewpoint == viewpoint and r.rated(items) and r.entered_by != "lead"
        ]
        what = f"{viewpoint} " + (items[0] if len(items) == 1 else f"{items[0].split('.')[0]} cell")
        yield f"the {len(hidden)} hidden raters of {what}", hidden
        splits: list[tuple[str, Callable[[Respondent], object]]] = [
            ("focus group", lambda r: r.session),
            ("entered by", lambda r: r.entered_by),
            ("arrival", lambda r: sum(1 for m in self.moments if m < r.arrived)),
            # People who rated different numbers of a cell's statements: a mean weighing them differently
            # from the distribution would give each class away.
            ("statements rated", lambda r: len(r.rated(items))),
        ]
        for split_name, attribute in splits:
            by_value: dict[object, list[Respondent]] = defaultdict(list)
            for r in hidden:
                by_value[attribute(r)].append(r)
            for value, group in by_value.items():
                yield f"the {len(group)} raters of {what} with {split_name} {value}", group
        for moment in self.moments:
            before = [r for r in hidden if r.arrived <= moment]
            yield f"the {len(before)} raters of {what} by moment {moment}", before
            yield (
                f"the {len(hidden) - len(before)} raters of {what} after moment {moment}",
                [r for r in hidden if r.arrived > moment],
            )
            for session in {r.session for r in hidden}:
                room = [r for r in before if r.session == session]
                yield f"the {len(room)} raters of {what} in focus group {session} by moment {moment}", room
        for r in hidden:
            yield f"respondent {r.number} ({what})", [r]


def _group_targets(name: str, group: list[Respondent], items: tuple[str, ...], cell: bool) -> list[Target]:
    total: dict[Unknown, float] = {}
    arc_scores: dict[Unknown, float] = {}
    counts: dict[int, dict[Unknown, float]] = defaultdict(dict)
    for r in group:
        rated = r.rated(items)
        for item in rated:
            for rating in RATINGS:
                total[(r.number, item, rating)] = float(rating)
                arc_scores[(r.number, item, rating)] = rating / len(rated)
                counts[rating][(r.number, item, rating)] = 1.0
    return [
        Target(f"sum of ratings of {name}", total),
        *([Target(f"sum of arc scores of {name}", arc_scores)] if cell else []),
        *(Target(f"count of {rating}s of {name}", counts[rating]) for rating in RATINGS),
    ]
