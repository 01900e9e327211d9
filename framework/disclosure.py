"""Disclosure control (design.md section 3a): which figures may be shown, decided from counts of raters.

The promise to every respondent, a child above all: no one can work out what you, or a handful of people like
you, said. Hiding each small figure on its own does not keep it, so the rules here also look at figures
together. The vocabulary:

- a **figure** is one set of numbers shown about a group: a *cell* (one arc from one viewpoint of a round), a
  *statement* of a cell, or a statement of one focus group as its room saw it (a *reveal*);
- its **raters** are the people who gave it at least one rating from 1 to 5; "don't know" and "not
  applicable" never count towards k;
- **k** is the minimum group size.

The rules, applied in this order:

1. **Primary suppression.** A figure with fewer than k raters is hidden: "too few answers to show".
2. **The k-difference rule.** When two figures are available to the same member of staff (side by side, in
   two outputs, at two moments, or because they typed some of the answers in themselves) and one's raters lie
   within the other's, the raters that differ must be none or at least k; otherwise the newer figure is
   hidden: "hidden so that another hidden figure cannot be worked out". The caller describes each such pair as
   a `Nesting`; a statement within its own cell is paired here.
3. **Sums.** A cell's distribution is the sum of its statements', and its mean moves with each of them, so a
   cell's statements are shown all together or not at all, and never when the cell itself is hidden.

A figure already shown once stays known: when a later publication cannot show the new figure, it shows the
earlier one again instead, which gives nothing new away.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Hidden(StrEnum):
    """Why a figure is not shown."""

    TOO_FEW = "too_few"
    DIFFERENCE = "difference"

    @property
    def words(self) -> str:
        return REASON_WORDS[self]


REASON_WORDS = {
    Hidden.TOO_FEW: "too few answers to show",
    Hidden.DIFFERENCE: "hidden so that another hidden figure cannot be worked out",
}


class Shown(StrEnum):
    """How a figure that is shown came to be."""

    NEW = "new"
    EARLIER = "earlier"  # the figure as an earlier disclosure showed it: the new one would give someone away


#: What becomes of one figure: shown (new or as before) or hidden (and why).
Outcome = Shown | Hidden


@dataclass(frozen=True, order=True)
class FigureKey:
    """Which figure: ``("cell", arc, viewpoint)`` or ``("statement", arc, viewpoint, item)``."""

    scope: str
    arc: str
    viewpoint: str
    item: str | None = None

    @classmethod
    def cell(cls, arc: str, viewpoint: str) -> FigureKey:
        return cls("cell", arc, viewpoint)

    @classmethod
    def statement(cls, arc: str, viewpoint: str, item: str) -> FigureKey:
        return cls("statement", arc, viewpoint, item)

    @property
    def cell_key(self) -> FigureKey:
        return FigureKey.cell(self.arc, self.viewpoint)


@dataclass(frozen=True)
class Nesting:
    """A figure already available to some member of staff whose raters lie within `figure`'s, or around them.

    `difference` is the number of raters whose part differs between the two: raters of one who are not raters
    of the other, and raters of both whose answers changed in between.
    """

    figure: FigureKey
    difference: int


def difference_is_safe(difference: int, k: int) -> bool:
    """The k-difference rule: no raters differ, or at least k do."""
    return difference == 0 or difference >= k


def decide(
    raters: Mapping[FigureKey, int],
    *,
    k: int,
    nestings: Iterable[Nesting] = (),
    has_earlier: frozenset[FigureKey] = frozenset(),
) -> dict[FigureKey, Outcome]:
    """What becomes of each figure of a publication (cells and their statements), by the three rules.

    `raters` gives every figure's raters now. `has_earlier` names the figures that an earlier publication
    showed: one whose new figure may not be shown shows the earlier one again, which gives nothing new away.
    """
    outcome: dict[FigureKey, Outcome] = {
        key: Shown.NEW if count >= k else Hidden.TOO_FEW for key, count in raters.items()
    }
    # A statement within its own cell: the cell's raters who did not rate the statement differ.
    pairs = [
        Nesting(key, raters[key.cell_key] - count)
        for key, count in raters.items()
        if key.scope == "statement" and key.cell_key in raters
    ]
    for nesting in [*pairs, *nestings]:
        if outcome.get(nesting.figure) is Shown.NEW and not difference_is_safe(nesting.difference, k):
            outcome[nesting.figure] = Shown.EARLIER if nesting.figure in has_earlier else Hidden.DIFFERENCE
    _statements_go_together(outcome, has_earlier)
    return outcome


def _statements_go_together(outcome: dict[FigureKey, Outcome], has_earlier: frozenset[FigureKey]) -> None:
    """Rule 3: a cell's statements are all shown, from the same publication as one another, or all hidden."""
    by_cell: dict[FigureKey, list[FigureKey]] = defaultdict(list)
    for key in outcome:
        if key.scope == "statement":
            by_cell[key.cell_key].append(key)
    for cell, statements in by_cell.items():
        kinds = {outcome[key] for key in statements}
        cell_hidden = isinstance(outcome.get(cell), Hidden)
        if cell_hidden or any(isinstance(kind, Hidden) for kind in kinds):
            for key in statements:
                if not isinstance(outcome[key], Hidden):
                    outcome[key] = Hidden.DIFFERENCE
        elif kinds == {Shown.NEW, Shown.EARLIER}:
            # Mixing old and new statements would let the new cell minus the rest give away the newcomers.
            for key in statements:
                outcome[key] = Shown.EARLIER if key in has_earlier else Hidden.DIFFERENCE
        if any(isinstance(outcome[key], Hidden) for key in statements):
            for key in statements:
                if not isinstance(outcome[key], Hidden):
                    outcome[key] = Hidden.DIFFERENCE


def decide_reveal(
    raters: Mapping[str, int],
    *,
    k: int,
    nestings: Iterable[tuple[str, int]] = (),
    revealed_before: frozenset[str] = frozenset(),
) -> dict[str, Outcome]:
    """What a room may see of each of its statements (by item code), by rules 1 and 2.

    `nestings` pairs a statement with the raters that differ from a figure of it already seen: its last
    reveal (changed or new answers since), or the answers a member of staff typed in. A statement revealed
    before whose new figure may not be shown shows the last one again.
    """
    outcome: dict[str, Outcome] = {
        item: Shown.NEW if count >= k else Hidden.TOO_FEW for item, count in raters.items()
    }
    for item, difference in nestings:
        if outcome.get(item) is Shown.NEW and not difference_is_safe(difference, k):
            outcome[item] = Shown.EARLIER if item in revealed_before else Hidden.DIFFERENCE
    for item in outcome:
        if outcome[item] is Hidden.TOO_FEW and item in revealed_before:
            outcome[item] = (
                Shown.EARLIER
            )  # fewer raters than before (answers taken back): the last stays known
    return outcome


def more_raters_needed(raters: int, *, k: int) -> int:
    """How many more raters a figure needs before it can be shown on its own (0 when it has enough)."""
    return max(0, k - raters)
