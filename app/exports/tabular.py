"""The scores of a round as CSV and XLSX, suppression-aware and safe to open in a spreadsheet.

Both files hold one row per cell (arc x viewpoint), then a row per arc (viewpoint "all", the arc score) and a
row for the round score. A suppressed cell says so and leaves every figure empty, its gap to target included
(the target itself is the trust's, not a figure from answers, so it stays). Trust and round names, arc
titles and the action plan are text that people typed, so every text value goes through `neutralise` first:
a spreadsheet would otherwise run a value such as ``=HYPERLINK(...)`` as a formula.

The CSV's columns, always in this order (new columns are added only at the end of a group, so that a reader
going by position keeps working):

1. arc, arc_title, viewpoint, viewpoint_label, suppressed, n, mean, median, spread, rated_1 to rated_5,
   dont_know, not_applicable (`CELL_COLUMNS`);
2. target, gap (`TARGET_COLUMNS`): on a cell row the viewpoint's target, on an arc row the whole arc's; gap
   is target minus the mean (cell) or arc score (arc), empty when either is missing; both empty on the round
   row;
3. only with a baseline: baseline_mean, delta, ci_low, ci_high, comparable (`COMPARISON_COLUMNS`).

The XLSX workbook adds Targets, Action plan and Support needs sheets, each only when there is something to
list.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import TypeVar

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from app.choices import action_status_label, support_kind_label
from app.exports.content import ActionLine, RawAnswer, RoundContent, SupportLine
from framework.model import Framework
from framework.scoring import RATINGS, ArcComparison, Cell, CellComparison

#: What a spreadsheet reads as the start of a formula (tab and carriage return can hide one after them).
DANGEROUS_FIRST_CHARACTERS = ("=", "+", "-", "@", "\t", "\r")

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
ALL = "all"
ALL_VIEWPOINTS = "All viewpoints"
ALL_ARCS = "All arcs (round score)"
WHOLE_ARC = "Whole arc"

Value = str | int | float | date | None
Row = list[Value]
V = TypeVar("V")
Compared = TypeVar("Compared", CellComparison, ArcComparison)


def neutralise(value: V) -> V | str:
    """`value` made safe for a spreadsheet cell: a string that starts like a formula gets a leading
    apostrophe, which spreadsheets show as text; anything else (numbers included) is returned unchanged."""
    if isinstance(value, str) and value.startswith(DANGEROUS_FIRST_CHARACTERS):
        return "'" + value
    return value


# --- the rows both files share ------------------------------------------------------------------------------


def score_header(content: RoundContent) -> list[str]:
    return [*CELL_COLUMNS, *TARGET_COLUMNS, *(COMPARISON_COLUMNS if content.comparison is not None else ())]


def score_rows(content: RoundContent) -> list[Row]:
    """A row per cell in framework order, then a row per arc, then the round: the CSV's body."""
    rows = [_cell_row(content, cell) for cell in content.scores.cells]
    rows += [_arc_row(content, arc) for arc in content.framework.arc_keys]
    rows.append(_overall_row(content))
    return rows


def _cell_row(content: RoundContent, cell: Cell) -> Row:
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


# --- CSV ----------------------------------------------------------------------------------------------------


def scores_csv(content: RoundContent) -> str:
    """The scores as CSV text (UTF-8 when encoded; no byte order mark, which is the caller's to add)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(score_header(content))
    for row in score_rows(content):
        writer.writerow(["" if value is None else neutralise(value) for value in row])
    return buffer.getvalue()


# --- XLSX ---------------------------------------------------------------------------------------------------

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TWO_PLACES = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
FLOAT_COLUMNS = {"mean", "median", "spread", "baseline_mean", "delta", "ci_low", "ci_high", "baseline"}
FLOAT_COLUMNS |= {"current", "arc_score", "score", "target", "gap", "Target", "Current score", "Gap"}
#: Columns of sentences, wrapped in their cell rather than running on past its edge.
WRAPPED_COLUMNS = {"Outcomes", "Resources or estimated cost", "Description"}
SHEET_NAME_LIMIT = 31
FORBIDDEN_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
COMPARISON_SHEET_COLUMNS = (
    "arc",
    "arc_title",
    "viewpoint",
    "viewpoint_label",
    "baseline",
    "current",
    "delta",
    "ci_low",
    "ci_high",
    "may_be_chance",
    "comparable",
)
ANSWER_COLUMNS = ("respondent", "viewpoint", "arc", "item", "rating", "sector", "role_level")
TARGET_SHEET_COLUMNS = ("Arc", "Viewpoint", "Target", "Current score", "Gap")
ACTION_SHEET_COLUMNS = (
    "Action",
    "Arcs",
    "Outcomes",
    "Timescale",
    "Due date",
    "Lead officer",
    "Resources or estimated cost",
    "Status",
)
SUPPORT_SHEET_COLUMNS = ("Arc", "Kind of support", "Description")


def scores_xlsx(content: RoundContent) -> bytes:
    """The scores as an XLSX workbook: Summary, By arc and viewpoint, a sheet per viewpoint, Comparison
    (with a baseline), Targets, Action plan and Support needs (each only when there are any) and Answers
    (only when `content.raw_answers` is given)."""
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    summary = _summary_rows(content)
    headings = {i for i, row in enumerate(summary) if row and row[0] in ("Arc scores", "Arc")}
    _write_sheet(workbook, taken, "Summary", ["Item", "Value"], summary, bold_rows=headings)
    _write_sheet(workbook, taken, "By arc and viewpoint", score_header(content), score_rows(content))
    for viewpoint in content.framework.viewpoints:
        header, rows = _viewpoint_table(content, viewpoint.key)
        _write_sheet(workbook, taken, viewpoint.label, header, rows)
    if content.comparison is not None:
        _write_sheet(workbook, taken, "Comparison", list(COMPARISON_SHEET_COLUMNS), _comparison_rows(content))
    _write_plan_sheets(workbook, taken, content)
    if content.raw_answers is not None:
        _write_sheet(workbook, taken, "Answers", list(ANSWER_COLUMNS), _answer_rows(content))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _summary_rows(content: RoundContent) -> list[Row]:
    rows: list[Row] = [
        ["Trust", content.trust_name],
        ["Round", content.round_name],
    ]
    if content.baseline_name is not None:
        rows.append(["Compared with", content.baseline_name])
    rows += [
        ["Period", period_text(content)],
        ["Generated", generated_text(content.generated_at)],
        ["Minimum group size", content.scores.min_group_size],
        ["Suppression rule", suppression_rule(content)],
        ["Round score (1 fragmented to 5 integrated)", _score_or_words(content.scores.overall)],
    ]
    if content.comparison is not None:
        baseline, delta = overall_change(content)
        rows += [["Baseline round score", two_places(baseline)], ["Change in round score", two_places(delta)]]
    rows += [[], ["Arc scores"]]
    arc_header: Row = ["Arc", "Arc score", "Viewpoints counted"]
    if content.comparison is not None:
        arc_header += ["Baseline", "Change", "95% interval low", "95% interval high", "May be chance"]
    rows.append(arc_header)
    rows += [_summary_arc_row(content, arc_key) for arc_key in content.framework.arc_keys]
    return rows


def _summary_arc_row(content: RoundContent, arc_key: str) -> Row:
    counted = sum(1 for c in content.scores.cells if c.arc == arc_key and not c.suppressed)
    total = sum(1 for c in content.scores.cells if c.arc == arc_key)
    row: Row = [content.framework.arc(arc_key).title, _score_or_words(content.scores.arcs.get(arc_key))]
    row.append(f"{counted} of {total}")
    compared = arc_comparisons(content).get(arc_key)
    if content.comparison is not None:
        row += [
            two_places(compared.baseline) if compared else None,
            two_places(compared.delta) if compared else None,
            two_places(compared.ci_low) if compared else None,
            two_places(compared.ci_high) if compared else None,
            yes_no(compared.includes_zero) if compared else None,
        ]
    return row


def _score_or_words(score: float | None) -> Value:
    return "too few answers" if score is None else two_places(score)


def _viewpoint_table(content: RoundContent, viewpoint_key: str) -> tuple[list[str], list[Row]]:
    """The cell rows of one viewpoint, without the viewpoint columns the sheet's name already gives."""
    header = score_header(content)
    keep = [i for i, name in enumerate(header) if name not in ("viewpoint", "viewpoint_label")]
    rows = [_cell_row(content, cell) for cell in content.scores.cells if cell.viewpoint == viewpoint_key]
    return [header[i] for i in keep], [[row[i] for i in keep] for row in rows]


def _comparison_rows(content: RoundContent) -> list[Row]:
    """A row per arc, then a row per cell; nothing computed from a suppressed cell of this round."""
    rows: list[Row] = []
    for arc in arc_comparisons(content).values():
        figures = [arc.baseline, arc.current, arc.delta, arc.ci_low, arc.ci_high]
        rows.append(
            [arc.arc, content.framework.arc(arc.arc).title, ALL, ALL_VIEWPOINTS]
            + [two_places(v) for v in figures]
            + [yes_no(arc.includes_zero), yes_no(arc_is_comparable(content, arc.arc))]
        )
    for cell in cell_comparisons(content).values():
        figures = [cell.baseline, cell.current, cell.delta, cell.ci_low, cell.ci_high]
        viewpoint = content.framework.viewpoint(cell.viewpoint)
        rows.append(
            [cell.arc, content.framework.arc(cell.arc).title, viewpoint.key, viewpoint.label]
            + [two_places(v) for v in figures]
            + [yes_no(cell.includes_zero), yes_no(cell.comparable)]
        )
    return rows


def _write_plan_sheets(workbook: Workbook, taken: set[str], content: RoundContent) -> None:
    """Targets, Action plan and Support needs: each only when there is something to list."""
    framework = content.framework
    if content.targets:
        rows = [_target_row(framework, target) for target in target_rows(content)]
        _write_sheet(workbook, taken, "Targets", TARGET_SHEET_COLUMNS, rows)
    if content.actions:
        rows = [_action_row(framework, action) for action in content.actions]
        _write_sheet(workbook, taken, "Action plan", ACTION_SHEET_COLUMNS, rows)
    if content.support_needs:
        rows = [
            [arc_name(framework, need.arc), support_kind_label(need.kind), need.description]
            for need in support_in_order(content)
        ]
        _write_sheet(workbook, taken, "Support needs", SUPPORT_SHEET_COLUMNS, rows)


def _target_row(framework: Framework, target: TargetRow) -> Row:
    return [
        arc_name(framework, target.arc),
        viewpoint_name(framework, target.viewpoint),
        two_places(target.level),
        two_places(target.score),
        target.gap,
    ]


def _action_row(framework: Framework, action: ActionLine) -> Row:
    """An action in the plan's own order (the order the trust keeps it in)."""
    return [
        action.title,
        "; ".join(arc_name(framework, arc) for arc in action.arcs),
        action.outcomes,
        action.timescale,
        action.due,
        action.lead_officer,
        action.resources,
        action_status_label(action.status),
    ]


def _answer_rows(content: RoundContent) -> Iterable[Row]:
    """Raw answers, leaving out any from a suppressed cell even if one slipped through."""
    assert content.raw_answers is not None
    suppressed = {(c.arc, c.viewpoint) for c in content.scores.cells if c.suppressed}
    for answer in content.raw_answers:
        if (answer.arc, answer.viewpoint) not in suppressed:
            yield _answer_row(answer)


def _answer_row(answer: RawAnswer) -> Row:
    rating: Value = answer.rating if answer.kind == "rating" else answer.kind
    return [
        answer.respondent,
        answer.viewpoint,
        answer.arc,
        answer.item,
        rating,
        answer.sector,
        answer.role_level,
    ]


def _write_sheet(
    workbook: Workbook,
    taken: set[str],
    name: str,
    header: Sequence[str],
    rows: Iterable[Row],
    *,
    bold_rows: Collection[int] = (),
) -> None:
    """A sheet with a bold, frozen header row and columns wide enough for their contents; `bold_rows` are
    indexes into `rows` of headings further down."""
    body = [[neutralise(value) for value in row] for row in rows]
    sheet: WriteOnlyWorksheet = workbook.create_sheet(sheet_title(name, taken))
    _size_columns(sheet, header, body)
    sheet.freeze_panes = "A2"
    sheet.append([_styled(sheet, neutralise(title), font=BOLD) for title in header])
    for index, row in enumerate(body):
        if index in bold_rows:
            sheet.append([_styled(sheet, value, font=BOLD) for value in row])
            continue
        titles = [*header, *[""] * (len(row) - len(header))]
        sheet.append([_body_cell(sheet, title, value) for title, value in zip(titles, row, strict=False)])


def _body_cell(sheet: WriteOnlyWorksheet, title: str, value: Value) -> WriteOnlyCell | Value:
    """The value, formatted for its column: dates as dates, scores to two places, sentences wrapped."""
    if value is None:
        return None
    if isinstance(value, date):
        return _styled(sheet, value, number_format=DATE_FORMAT)
    if title in FLOAT_COLUMNS and isinstance(value, int | float):
        return _styled(sheet, value, number_format=TWO_PLACES)
    if title in WRAPPED_COLUMNS:
        return _styled(sheet, value, alignment=WRAP)
    return value


def _styled(
    sheet: WriteOnlyWorksheet,
    value: Value,
    *,
    font: Font | None = None,
    number_format: str | None = None,
    alignment: Alignment | None = None,
) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if number_format is not None:
        cell.number_format = number_format
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _size_columns(sheet: WriteOnlyWorksheet, header: Sequence[str], body: Sequence[Row]) -> None:
    columns = max([len(header), *(len(row) for row in body)])
    for index in range(columns):
        texts = [str(header[index]) if index < len(header) else ""]
        # A long sentence (the suppression rule) need not widen its column to fit on one line.
        texts += [str(row[index]) for row in body[:500] if index < len(row) and row[index] is not None]
        width = min(max(len(text) for text in texts) + 2, 60)
        sheet.column_dimensions[get_column_letter(index + 1)].width = max(width, 8)


def sheet_title(name: str, taken: set[str]) -> str:
    """`name` as a valid sheet name (no []:*?/\\, no apostrophe at either end, at most 31 characters), made
    unique (ignoring case, as spreadsheets do) against `taken`, which it is added to."""
    base = FORBIDDEN_IN_SHEET_NAMES.sub(" ", name).strip().strip("'").strip() or "Sheet"
    title = base[:SHEET_NAME_LIMIT].rstrip()
    number = 2
    while title.lower() in taken:
        suffix = f" ({number})"
        title = base[: SHEET_NAME_LIMIT - len(suffix)].rstrip() + suffix
        number += 1
    taken.add(title.lower())
    return title
