"""The downloads as a spreadsheet opens them: LibreOffice (Debian's, headless) converts the workbook to CSV
(values as shown) and the CSV to a workbook, and the tests read the result. Text that looks like a formula
stays text with no stray apostrophe, and changes and gaps show their sign."""

from __future__ import annotations

import csv
import dataclasses
import io
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.exports.content import RoundContent
from app.exports.rows import HIDDEN_PREFIX
from app.exports.tabular import scores_csv, scores_xlsx
from framework.model import Framework
from tests.tools import require_tool

ATTACK = '=HYPERLINK("http://example.invalid","click")'
#: UTF-8, comma-separated, double quotes; for export: values as shown, every sheet to a file of its own.
CSV_EXPORT = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
CSV_IMPORT = "CSV:44,34,76,1"
#: A workbook as shown: each sheet's rows of text, by sheet name.
Sheets = dict[str, list[list[str]]]


def with_arc_title(framework: Framework, title: str) -> Framework:
    arcs = [framework.arcs[0].model_copy(update={"title": title}), *framework.arcs[1:]]
    return framework.model_copy(update={"arcs": arcs})


def convert(source: Path, target: str, *, infilter: str | None = None) -> Path:
    """`source` converted by LibreOffice into a folder beside it; that folder."""
    soffice = require_tool("soffice", "libreoffice-calc-nogui")
    out = source.parent / "converted"
    command = [soffice, "--headless", f"-env:UserInstallation=file://{source.parent}/profile"]
    command += [f"--infilter={infilter}"] if infilter else []
    command += ["--convert-to", target, "--outdir", str(out), str(source)]
    subprocess.run(command, capture_output=True, text=True, check=True, timeout=180)
    return out


@pytest.fixture(scope="module")
def hostile(plan_content: RoundContent) -> RoundContent:
    """A compared round with targets, whose trust name and first arc title look like formulas."""
    return dataclasses.replace(
        plan_content,
        trust_name=ATTACK,
        framework=with_arc_title(plan_content.framework, ATTACK),
    )


@pytest.fixture(scope="module")
def workbook_as_shown(hostile: RoundContent, tmp_path_factory: pytest.TempPathFactory) -> Sheets:
    """Each sheet of the workbook as LibreOffice shows it, by sheet name."""
    folder = tmp_path_factory.mktemp("xlsx")
    source = folder / "scores.xlsx"
    source.write_bytes(scores_xlsx(hostile))
    out = convert(source, CSV_EXPORT)
    return {
        path.stem.removeprefix("scores-"): list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        for path in out.glob("*.csv")
    }


@pytest.fixture(scope="module")
def csv_opened(hostile: RoundContent, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The CSV as served (a byte order mark first) opened by LibreOffice and saved as a workbook."""
    folder = tmp_path_factory.mktemp("csv")
    source = folder / "scores.csv"
    source.write_bytes(("\ufeff" + scores_csv(hostile)).encode())
    out = convert(source, "xlsx", infilter=CSV_IMPORT)
    return load_workbook(out / "scores.xlsx").active


def test_the_workbook_shows_formula_like_text_as_typed(workbook_as_shown: Sheets) -> None:
    summary = {row[0]: row[1] for row in workbook_as_shown["Summary"] if len(row) > 1}
    assert summary["Trust"] == ATTACK
    titles = {row[1] for row in workbook_as_shown["By arc and viewpoint"][1:] if row[0] == "red"}
    assert titles == {ATTACK}


def test_the_workbook_shows_changes_and_gaps_with_their_sign(
    workbook_as_shown: Sheets, hostile: RoundContent
) -> None:
    header, *rows = workbook_as_shown["By arc and viewpoint"]
    red = next(row for row in rows if row[0] == "red" and row[2] == "all")
    green = next(row for row in rows if row[0] == "green" and row[2] == "all")
    assert red[header.index("gap")] == "+0.49"
    assert green[header.index("gap")] == "\u22121.04"
    deltas = [row[header.index("delta")] for row in rows if row[header.index("delta")]]
    assert deltas and all(delta[0] in "+\u2212\u00b1" for delta in deltas), deltas


def test_the_csv_opens_with_formula_like_text_as_text_and_no_apostrophe(csv_opened) -> None:  # type: ignore[no-untyped-def]
    titles = [row[1] for row in csv_opened.iter_rows(min_row=2) if row[0].value == "red"]
    assert titles
    for cell in titles:
        assert cell.data_type == "s", cell.value
        assert cell.value == HIDDEN_PREFIX + ATTACK  # the prefix has no width: the cell shows ATTACK


def test_the_csv_opens_with_numbers_as_numbers(csv_opened) -> None:  # type: ignore[no-untyped-def]
    header = [cell.value for cell in csv_opened[1]]
    red = next(
        row for row in csv_opened.iter_rows(min_row=2) if (row[0].value, row[2].value) == ("red", "all")
    )
    gap = red[header.index("Gap (target minus score)")]
    assert (gap.data_type, gap.value) == ("n", 0.49)
    assert red[header.index("Mean")].data_type == "n"
