"""The board pack's longer tables as rows of entries for the template: a viewpoint table per arc, the
action plan (whole, or an arc's part) and the support needs. A suppressed cell's row says "too few answers"
across its figures and holds none of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.choices import action_status_label, support_kind_label
from app.exports.content import ActionLine, RoundContent, SupportLine
from app.exports.pack_words import DASH, TOO_FEW, change, score, when_text
from app.exports.rows import WHOLE_ARC, arc_name, cell_comparisons, current_score, gap, targets_by_key
from framework.model import Arc
from framework.scoring import Cell, CellComparison

RATINGS = ["1", "2", "3", "4", "5"]
FIGURE_HEAD = ["People", "Mean", "Median", "Spread", *RATINGS, "Don't know", "Not applicable"]
MEAN_COLUMN = 2  # counting the viewpoint column


@dataclass(frozen=True)
class Entry:
    """One cell of a table as the template writes it: a header cell (`header`) or data, a figure's right
    alignment (`numeric`), a second line in small type (`note`), words in place of figures (`muted`), and the
    columns it spans."""

    text: str = ""
    header: bool = False
    numeric: bool = False
    note: str = ""
    muted: bool = False
    span: int = 1
    status: str = ""


@dataclass
class Table:
    caption: str
    head: list[list[Entry]]
    rows: list[list[Entry]] = field(default_factory=list)
    classes: str = ""
    #: A colour swatch before each row (the arc's), or None.
    swatches: list[str | None] = field(default_factory=list)
    #: Whether the last row is a total (the round score, the whole arc), set off by a rule and bold type.
    total_last: bool = False


def numbers(values: Sequence[str]) -> list[Entry]:
    return [Entry(value, numeric=True) for value in values]


def target_figures(content: RoundContent, arc: str, viewpoint: str | None) -> tuple[str, str]:
    """Target and gap as words: empty without a target, a dash for the gap when there is no score."""
    level = targets_by_key(content).get((arc, viewpoint))
    if level is None:
        return "", ""
    return f"{level:.2f}", change(gap(level, current_score(content, arc, viewpoint)))


def arc_cells(content: RoundContent, arc: Arc) -> list[Cell]:
    by_viewpoint = {c.viewpoint: c for c in content.scores.cells if c.arc == arc.key}
    return [by_viewpoint[key] for key in content.framework.viewpoint_keys if key in by_viewpoint]


def viewpoint_table(content: RoundContent, arc: Arc) -> Table:
    """A row per viewpoint; with targets, a Target column and a last row for the arc as a whole."""
    compared = content.comparison is not None
    with_targets = bool(content.targets)
    # Over the five rating columns (after the viewpoint, people, mean, median and spread), "Ratings given".
    top = [Entry(header=True, span=5), Entry("Ratings given", header=True, span=5)]
    top.append(Entry(header=True, span=2))
    top += [Entry(header=True)] * ((2 if compared else 0) + (1 if with_targets else 0))
    head = ["Viewpoint", *FIGURE_HEAD, *(["Baseline", "Change"] if compared else [])]
    head += ["Target"] if with_targets else []
    table = Table(
        caption="Scores by viewpoint",
        head=[top, [Entry(h, header=True, numeric=i > 0) for i, h in enumerate(head)]],
        classes="viewpoints",
    )
    comparisons = cell_comparisons(content)
    for cell in arc_cells(content, arc):
        row = [Entry(content.framework.viewpoint(cell.viewpoint).label, header=True)]
        row += _cell_figures(content, cell)
        if compared:
            row += _cell_change(comparisons.get((cell.arc, cell.viewpoint)), cell.suppressed)
        if with_targets:
            row.append(_target_entry(content, arc.key, cell.viewpoint))
        table.rows.append(row)
    if with_targets:
        table.rows.append(_whole_arc_row(content, arc, len(head)))
        table.total_last = True
    return table


def _target_entry(content: RoundContent, arc: str, viewpoint: str | None) -> Entry:
    """The target with its gap under it in small type; empty without a target."""
    level, difference = target_figures(content, arc, viewpoint)
    return Entry(level, numeric=True, note=f"gap {difference}" if level else "")


def _whole_arc_row(content: RoundContent, arc: Arc, columns: int) -> list[Entry]:
    """The arc score under the Mean column and the whole arc's target in the last column."""
    row = [Entry(WHOLE_ARC, header=True), *[Entry(numeric=True)] * (columns - 2)]
    value = content.scores.arcs.get(arc.key)
    row[MEAN_COLUMN] = Entry(DASH if value is None else score(value), numeric=True)
    return [*row, _target_entry(content, arc.key, None)]


def _cell_figures(content: RoundContent, cell: Cell) -> list[Entry]:
    """The cell's figures, or for a suppressed cell the words "too few answers" across all their columns."""
    if cell.suppressed:
        words = f"{TOO_FEW} (fewer than {content.scores.min_group_size})"
        return [Entry(words, muted=True, span=len(FIGURE_HEAD))]
    distribution = cell.distribution or {}
    return numbers(
        [
            str(cell.n),
            score(cell.mean),
            score(cell.median),
            DASH if cell.spread is None else f"{cell.spread:.2f}",
            *(str(distribution.get(rating, 0)) for rating in RATINGS),
            str(cell.dont_know),
            str(cell.not_applicable),
        ]
    )


def _cell_change(compared: CellComparison | None, suppressed: bool) -> list[Entry]:
    if compared is None:
        return numbers(["", ""])
    baseline = Entry(score(compared.baseline), numeric=True, muted=compared.baseline is None)
    if not compared.comparable:
        return [baseline, Entry("not compared", numeric=True, muted=True)]
    if suppressed or compared.delta is None:
        return [baseline, Entry(DASH, numeric=True)]
    note = "may be chance" if compared.includes_zero else ""
    return [baseline, Entry(change(compared.delta), numeric=True, note=note)]


def plan_table(content: RoundContent, actions: Sequence[ActionLine], *, on_arc: bool = False) -> Table:
    """Actions, most urgent first, each status in words (its tint only repeats them). On an arc's page the
    table leaves out the arcs and resources."""
    head = ["Action", "Outcomes", "By when", "Lead officer", "Status"]
    if not on_arc:
        head[1:1] = ["Arcs"]
        head[-1:-1] = ["Resources or cost"]
    table = Table(
        caption="",
        head=[[Entry(h, header=True) for h in head]],
        classes="plan arc-plan" if on_arc else "plan",
    )
    for action in actions:
        row = [Entry(action.title, header=True), Entry(action.outcomes or DASH)]
        row += [Entry(when_text(action)), Entry(action.lead_officer or DASH)]
        if not on_arc:
            arcs = "; ".join(arc_name(content.framework, key, short=True) for key in action.arcs)
            row[1:1] = [Entry(arcs)]
            row.append(Entry(action.resources or DASH))
        row.append(Entry(action_status_label(action.status), status=action.status))
        table.rows.append(row)
    return table


def support_table(content: RoundContent, needs: Sequence[SupportLine], *, with_arc: bool) -> Table | None:
    """Kind and description of each need; `with_arc`, an Arc column first, naming the arc on every row so
    that a row carried over to the next page still says which arc it is about."""
    if not needs:
        return None
    head = ["Arc"] if with_arc else []
    table = Table(
        caption="",
        head=[[Entry(h, header=True) for h in [*head, "Kind of support", "What is needed"]]],
        classes="support",
    )
    for need in needs:
        row = [Entry(arc_name(content.framework, need.arc), header=True)] if with_arc else []
        kind = Entry(support_kind_label(need.kind), header=not with_arc)
        table.rows.append([*row, kind, Entry(need.description)])
    return table
