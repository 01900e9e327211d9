"""The dashboard's heat map: each arc from each viewpoint as a cell coloured on the 1 to 5 scale, with its
figure and its change since the baseline written in it.

Every figure comes from the round's report, which reads the rounds' publications
(`app.services.disclosure.published`): whether a cell is shown, and why not, is decided there, and a cell
hidden in either round carries no figure and no change here. Figures and changes are written as every page
and chart writes them (`framework.figures`), so the heat map, the table beneath it and the rainbow agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.services.insights import cells_by_key
from app.services.reports import RoundReport
from framework.figures import change_between, change_text, rounded, score_text
from framework.model import Arc, Framework

#: The upper edges of the five colour steps (equal fifths of 1 to 5); a figure on an edge takes the upper.
STEP_EDGES = (1.8, 2.6, 3.4, 4.2)
#: The words of each step, for the legend.
STEP_WORDS = ("1.00 to 1.79", "1.80 to 2.59", "2.60 to 3.39", "3.40 to 4.19", "4.20 to 5.00")


def step_of(figure: float) -> int:
    """The colour step (1 to 5) of a figure, taken from the figure as printed."""
    printed = float(rounded(figure))
    return 1 + sum(printed >= edge for edge in STEP_EDGES)


@dataclass(frozen=True)
class HeatCell:
    """One arc from one viewpoint: its figure, step and change as printed, or why it is hidden."""

    viewpoint: str
    figure: str | None
    step: int | None
    #: "+0.12", "-0.30" (with a real minus), "no change"; None without a baseline figure to compare with
    change: str | None
    hidden_because: str | None
    comparable: bool = True

    @property
    def suppressed(self) -> bool:
        return self.figure is None


@dataclass(frozen=True)
class HeatRow:
    arc: Arc
    cells: tuple[HeatCell, ...]


@dataclass(frozen=True)
class HeatMap:
    rows: tuple[HeatRow, ...]
    baseline_name: str | None
    steps: tuple[str, ...] = STEP_WORDS


def heat_map(report: RoundReport, framework: Framework) -> HeatMap:
    """The heat map of a round's report: arcs down, viewpoints across, in the framework's order."""
    cells = cells_by_key(report.scores)
    before = cells_by_key(report.baseline_scores) if report.baseline_scores is not None else {}
    compared = report.comparison.cells if report.comparison else ()
    comparable = {(c.arc, c.viewpoint): c.comparable for c in compared}
    rows = []
    for arc in framework.arcs:
        row = []
        for viewpoint in framework.viewpoint_keys:
            key = (arc.key, viewpoint)
            cell, earlier = cells[key], before.get(key)
            if cell.mean is None:
                why = cell.hidden_because or "too few answers to show"
                row.append(HeatCell(viewpoint, None, None, None, why))
                continue
            can_compare = comparable.get(key, True)
            change = None
            if earlier is not None and earlier.mean is not None and can_compare:
                change = change_text(change_between(cell.mean, earlier.mean))
            figure, step = score_text(cell.mean), step_of(cell.mean)
            row.append(HeatCell(viewpoint, figure, step, change, None, can_compare))
        rows.append(HeatRow(arc, tuple(row)))
    return HeatMap(tuple(rows), report.baseline.name if report.baseline is not None else None)
