"""The rows every download of a round is made of, worked out once for the CSV, the workbook and the board
pack: a row per cell, per arc and for the round; comparisons with the baseline; targets and their gaps; the
names and dates the files print; and `neutralise`, which keeps typed text from running as a spreadsheet
formula.

Nothing here knows a file format. The figures come from scores after suppression: a suppressed cell has none.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal, TypeVar

from app.exports.content import RoundContent, SupportLine
from framework.model import Framework
from framework.scoring import RATINGS, ArcComparison, Cell, CellComparison

#: What a spreadsheet reads as the start of a formula (tab and carriage return can hide one after them).
DANGEROUS_FIRST_CHARACTERS = ("=", "+", "-", "@", "\t", "\r")
HIDDEN_PREFIX = "\u200b"  # zero-width space

CELL_COLUMNS = (
    "arc",
    "arc_title",
    "viewpoint",
    "viewpoint_label",
    "suppressed",
    "n",
    "mean",
    "median",
    "spread",
    *(f"rated_{rating}" for rating in RATINGS),
    "dont_know",
    "not_applicable",
)
TARGET_COLUMNS = ("target", "gap")
COMPARISON_COLUMNS = ("baseline_mean", "delta", "ci_low", "ci_high", "comparable")
#: Each column of the scores in words, as the CSV heads them unless a script asks for the codes.
HEADER_WORDS = {
    "arc": "Arc",
    "arc_title": "Arc title",
    "viewpoint": "Viewpoint",
    "viewpoint_label": "Viewpoint name",
    "suppressed": "Too few answers to show",
    "n": "People counted",
    "mean": "Mean",
    "median": "Median",
    "spread": "Spread (standard deviation)",
    **{f"rated_{rating}": f"Times rated {rating}" for rating in RATINGS},
    "dont_know": "Don't know",
    "not_applicable": "Not applicable",
    "target": "Target",
    "gap": "Gap (target minus score)",
    "baseline_mean": "Baseline mean",
    "delta": "Change",
    "ci_low": "Change, 95% interval low",
    "ci_high": "Change, 95% interval high",
    "comparable": "Comparable with the baseline",
}
#: How the CSV heads its columns: in words (HEADER_WORDS), or by their codes for scripts.
CsvHeaders = Literal["words", "codes"]
#: Columns of changes and gaps, written with their sign ("+0.74") as the pages and the board pack write them.
SIGNED_COLUMNS = frozenset({"gap", "delta", "ci_low", "ci_high"})
ALL = "all"
ALL_VIEWPOINTS = "All viewpoints"
ALL_ARCS = "All arcs (round score)"
WHOLE_ARC = "Whole arc"

Value = str | int | float | date | None
Row = list[Value]
V = TypeVar("V")
Compared = TypeVar("Compared", CellComparison, ArcComparison)


def neutralise(value: V) -> V | str:
    """`value` made safe for a spreadsheet cell: a string that starts like a formula gets a zero-width space
    in front (HIDDEN_PREFIX), which no spreadsheet shows and which stops it being read as a formula; anything
    else (numbers included) is returned unchanged. (An apostrophe, the usual prefix, shows in the cell when
    Excel or LibreOffice opens a CSV file.)"""
    if isinstance(value, str) and is_formula_like(value):
        return HIDDEN_PREFIX + value
    return value


def is_formula_like(value: str) -> bool:
    # Spreadsheets fold compatibility forms (full-width U+FF1D, small U+FE62) to the plain sign, so the first
    # character is compared as NFKC folds it: a full-width "=1+1" is a formula as much as the plain one.
    return unicodedata.normalize("NFKC", value[:1]).startswith(DANGEROUS_FIRST_CHARACTERS)


# --- the rows both files share ------------------------------------------------------------------------------


def score_header(content: RoundContent) -> list[str]:
    """The columns' codes (see HEADER_WORDS for the words)."""
    return [*CELL_COLUMNS, *TARGET_COLUMNS, *(COMPARISON_COLUMNS if content.comparison is not None else ())]


def signed_text(value: float) -> str:
    """A change or gap with its sign, to two places: +0.74, -0.50 (a hyphen-minus, so that spreadsheets and
    scripts read it as a number), 0.00 for none."""
    text = f"{value:+.2f}"
    return "0.00" if float(text) == 0 else text


def score_rows(content: RoundContent) -> list[Row]:
    """A row per cell in framework order, then a row per arc, then the round: the CSV's body."""
    rows = [cell_row(content, cell) for cell in content.scores.cells]
    rows += [_arc_row(content, arc) for arc in content.framework.arc_keys]
    rows.append(_overall_row(content))
    return rows


def cell_row(content: RoundContent, cell: Cell) -> Row:
    arc = content.framework.arc(cell.arc)
    viewpoint = content.framework.viewpoint(cell.viewpoint)
    row: Row = [arc.key, arc.title, viewpoint.key, viewpoint.label, *cell_figures(cell)]
    row += _target_figures(content, cell.arc, cell.viewpoint)
    if content.comparison is not None:
        row += _cell_comparison(cell_comparisons(content).get((cell.arc, cell.viewpoint)), cell.suppressed)
    return row


def cell_figures(cell: Cell) -> Row:
    """suppressed, n, mean, median, spread, rated 1-5, don't know, not applicable: all empty when the cell
    is suppressed, whatever else it holds."""
    if cell.suppressed:
        return ["yes", *[None] * (len(CELL_COLUMNS) - 5)]
    distribution = cell.distribution or {}
    return [
        "no",
        cell.n,
        two_places(cell.mean),
        two_places(cell.median),
        two_places(cell.spread),
        *(distribution.get(str(rating), 0) for rating in RATINGS),
        cell.dont_know,
        cell.not_applicable,
    ]


def _cell_comparison(compared: CellComparison | None, suppressed: bool) -> Row:
    """baseline mean, delta, interval, comparable. The baseline round's own figure stays when this round's
    cell is suppressed; nothing computed from this round's cell does."""
    if compared is None:
        return [None, None, None, None, None]
    if suppressed:
        return [two_places(compared.baseline), None, None, None, yes_no(compared.comparable)]
    return [
        two_places(compared.baseline),
        two_places(compared.delta),
        two_places(compared.ci_low),
        two_places(compared.ci_high),
        yes_no(compared.comparable),
    ]


def _arc_row(content: RoundContent, arc_key: str) -> Row:
    arc = content.framework.arc(arc_key)
    score = content.scores.arcs.get(arc_key)
    row: Row = [arc.key, arc.title, ALL, ALL_VIEWPOINTS, yes_no(score is None), None, two_places(score)]
    row += [None] * (len(CELL_COLUMNS) - len(row))
    row += _target_figures(content, arc_key, None)
    if content.comparison is not None:
        compared = arc_comparisons(content).get(arc_key)
        comparable = arc_is_comparable(content, arc_key)
        row += [
            two_places(compared.baseline) if compared else None,
            two_places(compared.delta) if compared else None,
            two_places(compared.ci_low) if compared else None,
            two_places(compared.ci_high) if compared else None,
            yes_no(comparable),
        ]
    return row


def _overall_row(content: RoundContent) -> Row:
    overall = content.scores.overall
    row: Row = [ALL, ALL_ARCS, ALL, ALL_VIEWPOINTS, yes_no(overall is None), None, two_places(overall)]
    row += [None] * (len(CELL_COLUMNS) + len(TARGET_COLUMNS) - len(row))
    if content.comparison is not None:
        baseline, delta = overall_change(content)
        row += [two_places(baseline), two_places(delta), None, None, yes_no(delta is not None)]
    return row


def _target_figures(content: RoundContent, arc: str, viewpoint: str | None) -> Row:
    """target and gap for a cell (a viewpoint) or an arc (None)."""
    level = targets_by_key(content).get((arc, viewpoint))
    return [two_places(level), gap(level, current_score(content, arc, viewpoint))]


def overall_change(content: RoundContent) -> tuple[float | None, float | None]:
    """The baseline's round score and the change in round score. The change is given only when every arc
    could be compared, so that it sets like against like; it has no interval."""
    baseline = content.baseline_scores.overall if content.baseline_scores is not None else None
    arcs = arc_comparisons(content).values()
    if baseline is None or content.scores.overall is None or not arcs:
        return baseline, None
    if any(arc.delta is None for arc in arcs):
        return baseline, None
    return baseline, content.scores.overall - baseline


def arc_is_comparable(content: RoundContent, arc_key: str) -> bool:
    """Whether any of the arc's cells asked the same statements in both rounds."""
    cells = content.comparison.cells if content.comparison is not None else ()
    return any(c.comparable for c in cells if c.arc == arc_key)


def cell_comparisons(content: RoundContent) -> dict[tuple[str, str], CellComparison]:
    """The comparison's cells by (arc, viewpoint), keeping nothing computed from a cell that this round's
    scores suppress (the baseline's own figure stays)."""
    cells = content.comparison.cells if content.comparison is not None else ()
    hidden = {(c.arc, c.viewpoint) for c in content.scores.cells if c.suppressed}
    return {(c.arc, c.viewpoint): _without_current(c) if (c.arc, c.viewpoint) in hidden else c for c in cells}


def arc_comparisons(content: RoundContent) -> dict[str, ArcComparison]:
    """The comparison's arcs by key, keeping nothing computed from an arc with no score in this round."""
    arcs = content.comparison.arcs if content.comparison is not None else ()
    return {a.arc: a if content.scores.arcs.get(a.arc) is not None else _without_current(a) for a in arcs}


def _without_current(compared: Compared) -> Compared:
    return dataclasses.replace(
        compared, current=None, delta=None, ci_low=None, ci_high=None, includes_zero=None
    )


# --- targets and the plan -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TargetRow:
    """A target with the score it is measured against: the arc score for the whole arc (viewpoint None), the
    cell mean for a viewpoint; score and gap are None when there is no figure to show."""

    arc: str
    viewpoint: str | None
    level: float
    score: float | None
    gap: float | None


def targets_by_key(content: RoundContent) -> dict[tuple[str, str | None], float]:
    return {(target.arc, target.viewpoint): target.level for target in content.targets}


def current_score(content: RoundContent, arc: str, viewpoint: str | None) -> float | None:
    """The arc score (viewpoint None) or the cell mean; None for a suppressed cell, whatever it holds."""
    if viewpoint is None:
        return content.scores.arcs.get(arc)
    cell = next((c for c in content.scores.cells if (c.arc, c.viewpoint) == (arc, viewpoint)), None)
    return None if cell is None or cell.suppressed else cell.mean


def gap(level: float | None, score: float | None) -> float | None:
    """Target minus score to two places. It is worked from both figures as shown (to two places) so that the
    three numbers on a row add up for whoever checks them."""
    if level is None or score is None:
        return None
    return round(round(level, 2) - round(score, 2), 2)


def target_rows(content: RoundContent) -> list[TargetRow]:
    """Every target in framework order: arcs in turn, each arc's whole-arc target before its viewpoints'."""
    rows = [
        TargetRow(t.arc, t.viewpoint, t.level, score, gap(t.level, score))
        for t in content.targets
        for score in [current_score(content, t.arc, t.viewpoint)]
    ]
    arcs, viewpoints = content.framework.arc_keys, content.framework.viewpoint_keys
    return sorted(
        rows,
        key=lambda row: (
            _position(arcs, row.arc),
            -1 if row.viewpoint is None else _position(viewpoints, row.viewpoint),
        ),
    )


def support_in_order(content: RoundContent) -> list[SupportLine]:
    """Support needs by arc in framework order, each arc's in the order given."""
    arcs = content.framework.arc_keys
    return sorted(content.support_needs, key=lambda need: _position(arcs, need.arc))


def _position(keys: Sequence[str], key: str) -> int:
    return keys.index(key) if key in keys else len(keys)


def arc_name(framework: Framework, key: str, *, short: bool = False) -> str:
    """The arc's title (or short title); the key itself for an arc the framework does not have, so that an
    action kept from another version of the framework still says which arc it meant."""
    if key not in framework.arc_keys:
        return key
    arc = framework.arc(key)
    return arc.short_title if short else arc.title


def viewpoint_name(framework: Framework, key: str | None) -> str:
    if key is None:
        return WHOLE_ARC
    return framework.viewpoint(key).label if key in framework.viewpoint_keys else key


def two_places(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def yes_no(flag: bool | None) -> str | None:
    return None if flag is None else ("yes" if flag else "no")


# --- words --------------------------------------------------------------------------------------------------


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def period_text(content: RoundContent) -> str:
    start, end = content.period_start, content.period_end
    if start and end:
        return f"{long_date(start)} to {long_date(end)}"
    if start:
        return f"from {long_date(start)}"
    if end:
        return f"until {long_date(end)}"
    return "not set"


def generated_text(moment: datetime) -> str:
    zone = f" {moment.tzname()}" if moment.tzinfo is not None else ""
    return f"{long_date(moment)} at {moment:%H:%M}{zone}"


def suppression_rule(content: RoundContent) -> str:
    minimum = content.scores.min_group_size
    return (
        f"A group (one arc seen from one viewpoint) with fewer than {minimum} people counted shows no "
        f"figures at all, not even how many answered. Comments are shown only from groups of at least "
        f"{content.comment_min_group_size} people."
    )
