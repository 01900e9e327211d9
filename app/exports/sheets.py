"""Writing a workbook's sheets: a bold, frozen header row, columns wide enough for their contents, and each
cell formatted for its column (dates as dates, scores to two places, changes and gaps signed, sentences
wrapped), text always a string cell, never a formula."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from app.exports.rows import SIGNED_COLUMNS, Row, Value

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TWO_PLACES = "0.00"
#: Changes and gaps with their sign, as the pages write them: +0.74, -0.50 with a real minus sign (U+2212),
#: and ±0.00; the cells stay numbers.
SIGNED = '"+"0.00;"\u2212"0.00;"\u00b1"0.00'
SIGNED_SHEET_COLUMNS = SIGNED_COLUMNS | {"Gap"}
DATE_FORMAT = "yyyy-mm-dd"
FLOAT_COLUMNS = {"mean", "median", "spread", "baseline_mean", "delta", "ci_low", "ci_high", "baseline"}
FLOAT_COLUMNS |= {"current", "arc_score", "score", "target", "gap", "Target", "Current score", "Gap"}
FLOAT_COLUMNS |= {"Score", "95% interval from", "95% interval to"}
#: Columns of sentences, wrapped in their cell rather than running on past its edge.
WRAPPED_COLUMNS = {"Outcomes", "Resources or estimated cost", "Description"}
SHEET_NAME_LIMIT = 31
FORBIDDEN_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


def write_sheet(
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
    body = list(rows)
    sheet: WriteOnlyWorksheet = workbook.create_sheet(sheet_title(name, taken))
    _size_columns(sheet, header, body)
    sheet.freeze_panes = "A2"
    sheet.append([_styled(sheet, title, font=BOLD) for title in header])
    for index, row in enumerate(body):
        if index in bold_rows:
            sheet.append([_styled(sheet, value, font=BOLD) for value in row])
            continue
        titles = [*header, *[""] * (len(row) - len(header))]
        sheet.append([_body_cell(sheet, title, value) for title, value in zip(titles, row, strict=False)])


def _body_cell(sheet: WriteOnlyWorksheet, title: str, value: Value) -> Cell | Value:
    """The value, formatted for its column: dates as dates, scores to two places, changes and gaps signed,
    sentences wrapped, and text that looks like a formula kept as text."""
    if value is None:
        return None
    if isinstance(value, date):
        return _styled(sheet, value, number_format=DATE_FORMAT)
    if title in SIGNED_SHEET_COLUMNS and isinstance(value, int | float):
        return _styled(sheet, value, number_format=SIGNED)
    if title in FLOAT_COLUMNS and isinstance(value, int | float):
        return _styled(sheet, value, number_format=TWO_PLACES)
    if isinstance(value, str):  # a string cell, even when it starts like a formula; sentences wrapped
        return _styled(sheet, value, alignment=WRAP if title in WRAPPED_COLUMNS else None)
    return value


def _styled(
    sheet: WriteOnlyWorksheet,
    value: Value,
    *,
    font: Font | None = None,
    number_format: str | None = None,
    alignment: Alignment | None = None,
) -> Cell:
    cell = WriteOnlyCell(sheet)
    cell.value = value  # as WriteOnlyCell(sheet, value=value) would, but typed for dates too
    if isinstance(value, str):
        cell.data_type = "s"  # text, never a formula (as openpyxl would guess "=..." to be)
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
        # A write-only sheet has column_dimensions (Worksheet._setup), which types-openpyxl leaves out.
        sheet.column_dimensions[get_column_letter(index + 1)].width = max(width, 8)  # type: ignore[attr-defined]


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
