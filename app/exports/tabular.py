"""The scores of a round as CSV and XLSX, suppression-aware and safe to open in a spreadsheet.

Both files hold one row per cell (arc x viewpoint), then a row per arc (viewpoint "all", the arc score) and a
row for the round score. A suppressed cell says so and leaves every figure empty, its gap to target included
(the target itself is the trust's, not a figure from answers, so it stays). Trust and round names, arc
titles and the action plan are text that people typed, and a spreadsheet would run ``=HYPERLINK(...)`` as a
formula: the CSV puts an invisible zero-width space before such text (`neutralise`); the workbook writes it as
a string cell, never a formula. Changes and gaps carry their sign (+0.74) in both, as on the pages.

The CSV is headed in words ("People counted", "Change"), or by the codes below with ``headers="codes"``
(the API's ``?headers=codes``) for scripts. Its columns, always in this order (new columns are added only at
the end of a group, so that a reader going by position keeps working):

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
import io
from collections.abc import Iterable
from datetime import UTC

from openpyxl import Workbook

from app.choices import action_status_label, support_kind_label
from app.exports.content import ActionLine, RawAnswer, RoundContent, TrendSheet
from app.exports.rows import (
    ALL,
    ALL_VIEWPOINTS,
    HEADER_WORDS,
    SIGNED_COLUMNS,
    CsvHeaders,
    Row,
    TargetRow,
    Value,
    arc_comparisons,
    arc_is_comparable,
    arc_name,
    cell_comparisons,
    cell_row,
    generated_text,
    neutralise,
    overall_change,
    period_text,
    score_header,
    score_rows,
    signed_text,
    support_in_order,
    suppression_rule,
    target_rows,
    two_places,
    viewpoint_name,
    yes_no,
)
from app.exports.sheets import write_sheet
from framework.model import Framework
from framework.trend import TrendPoint

# --- CSV ----------------------------------------------------------------------------------------------------


def scores_csv(content: RoundContent, *, headers: CsvHeaders = "words") -> str:
    """The scores as CSV text (UTF-8 when encoded; no byte order mark, which is the caller's to add), headed
    in words for people or by the columns' codes for scripts. Changes and gaps carry their sign."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    codes = score_header(content)
    writer.writerow(codes if headers == "codes" else [HEADER_WORDS[code] for code in codes])
    for row in score_rows(content):
        writer.writerow([_csv_value(code, value) for code, value in zip(codes, row, strict=True)])
    return buffer.getvalue()


def _csv_value(code: str, value: Value) -> Value:
    if value is None:
        return ""
    if code in SIGNED_COLUMNS and isinstance(value, float | int):
        return signed_text(value)
    return neutralise(value)


# --- XLSX ---------------------------------------------------------------------------------------------------

TREND_SHEET_COLUMNS = ("Arc", "Round", "Score", "95% interval from", "95% interval to")
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
    # The true time it was made (openpyxl would stamp its own clock's, or a fixed one under some settings).
    made = content.generated_at.astimezone(UTC).replace(tzinfo=None)
    workbook.properties.created = workbook.properties.modified = made
    workbook.properties.title = f"{content.trust_name}, {content.round_name}: scores"
    taken: set[str] = set()
    summary = _summary_rows(content)
    headings = {
        i for i, row in enumerate(summary) if row and row[0] in ("Arc scores", "Arc", "Scale", "Point")
    }
    write_sheet(workbook, taken, "Summary", ["Item", "Value"], summary, bold_rows=headings)
    write_sheet(workbook, taken, "By arc and viewpoint", score_header(content), score_rows(content))
    for viewpoint in content.framework.viewpoints:
        header, rows = _viewpoint_table(content, viewpoint.key)
        write_sheet(workbook, taken, viewpoint.label, header, rows)
    if content.comparison is not None:
        write_sheet(workbook, taken, "Comparison", list(COMPARISON_SHEET_COLUMNS), _comparison_rows(content))
    if content.trend is not None:
        write_sheet(workbook, taken, "Trend", TREND_SHEET_COLUMNS, _trend_rows(content.trend))
    _write_plan_sheets(workbook, taken, content)
    if content.raw_answers is not None:
        write_sheet(workbook, taken, "Answers", list(ANSWER_COLUMNS), _answer_rows(content))
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
    rows += [[], ["Scale"], ["Point", "Staff answer", "Children's answer", "Journey stage"]]
    rows += [[point.value, point.label, point.child_label, point.stage] for point in content.framework.scale]
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
    rows = [cell_row(content, cell) for cell in content.scores.cells if cell.viewpoint == viewpoint_key]
    return [header[i] for i in keep], [[row[i] for i in keep] for row in rows]


def _comparison_rows(content: RoundContent) -> list[Row]:
    """A row per arc, then a row per cell; nothing computed from a suppressed cell of this round."""
    rows: list[Row] = []
    for arc in arc_comparisons(content).values():
        figures = [arc.baseline, arc.current, arc.delta, arc.ci_low, arc.ci_high]
        rows.append(
            [
                arc.arc,
                content.framework.arc(arc.arc).title,
                ALL,
                ALL_VIEWPOINTS,
                *(two_places(v) for v in figures),
                yes_no(arc.includes_zero),
                yes_no(arc_is_comparable(content, arc.arc)),
            ]
        )
    for cell in cell_comparisons(content).values():
        figures = [cell.baseline, cell.current, cell.delta, cell.ci_low, cell.ci_high]
        viewpoint = content.framework.viewpoint(cell.viewpoint)
        rows.append(
            [
                cell.arc,
                content.framework.arc(cell.arc).title,
                viewpoint.key,
                viewpoint.label,
                *(two_places(v) for v in figures),
                yes_no(cell.includes_zero),
                yes_no(cell.comparable),
            ]
        )
    return rows


def _trend_rows(trend: TrendSheet) -> list[Row]:
    """Each arc in each published round, earliest first: its score and interval, or why there is none."""
    return [
        [line.label, point.round_label, *_score_and_interval(point)]
        for line in trend.lines
        for point in line.points
    ]


def _score_and_interval(point: TrendPoint) -> Row:
    if point.score is None:
        return ["too few answers", None, None]
    return [point.score, point.low, point.high]


def _write_plan_sheets(workbook: Workbook, taken: set[str], content: RoundContent) -> None:
    """Targets, Action plan and Support needs: each only when there is something to list."""
    framework = content.framework
    if content.targets:
        rows = [_target_row(framework, target) for target in target_rows(content)]
        write_sheet(workbook, taken, "Targets", TARGET_SHEET_COLUMNS, rows)
    if content.actions:
        rows = [_action_row(framework, action) for action in content.actions]
        write_sheet(workbook, taken, "Action plan", ACTION_SHEET_COLUMNS, rows)
    if content.support_needs:
        rows = [
            [arc_name(framework, need.arc), support_kind_label(need.kind), need.description]
            for need in support_in_order(content)
        ]
        write_sheet(workbook, taken, "Support needs", SUPPORT_SHEET_COLUMNS, rows)


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
