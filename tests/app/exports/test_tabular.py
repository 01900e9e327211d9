"""The CSV and XLSX exports: suppression honoured, formula-like text neutralised, numbers kept as numbers,
targets with their gaps, the action plan and support needs."""

from __future__ import annotations

import csv
import dataclasses
import io
import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from app.exports.content import RawAnswer, RoundContent
from app.exports.rows import (
    CELL_COLUMNS,
    COMPARISON_COLUMNS,
    DANGEROUS_FIRST_CHARACTERS,
    HEADER_WORDS,
    HIDDEN_PREFIX,
    TARGET_COLUMNS,
    neutralise,
)
from app.exports.sheets import SIGNED, sheet_title
from app.exports.tabular import scores_csv, scores_xlsx
from framework.model import Framework
from tests.app.exports.conftest import (
    ACTIONS,
    JOINT_INDUCTION,
    SUPPORT_NEEDS,
    SUPPRESSED,
    TARGETS,
    MakeContent,
    with_figures_in_suppressed_cell,
)

FIGURES = [
    c for c in CELL_COLUMNS if c not in ("arc", "arc_title", "viewpoint", "viewpoint_label", "suppressed")
]
ATTACK = "=cmd|' /C calc'!A0"
VIEWPOINT_SHEETS = ["Child or young person", "Practitioner", "Team", "Service", "Children's trust"]
PLAN_SHEETS = ["Targets", "Action plan", "Support needs"]
RED = "Capacity to deliver and keep children safe"
GREEN = "Integrated working practices"


def csv_rows(content: RoundContent) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(scores_csv(content, headers="codes"))))


def csv_row(content: RoundContent, arc: str, viewpoint: str) -> dict[str, str]:
    return next(r for r in csv_rows(content) if (r["arc"], r["viewpoint"]) == (arc, viewpoint))


def workbook(content: RoundContent):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(scores_xlsx(content)))


def sheet_rows(sheet: Worksheet) -> list[dict[str, object]]:
    header, *body = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in body]


def with_arc_title(framework: Framework, title: str) -> Framework:
    arcs = [framework.arcs[0].model_copy(update={"title": title}), *framework.arcs[1:]]
    return framework.model_copy(update={"arcs": arcs})


# --- neutralise ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [ATTACK, "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_neutralise_puts_a_zero_width_space_before_formula_like_text(text: str) -> None:
    assert neutralise(text) == "\u200b" + text


@pytest.mark.parametrize("value", ["Northshire", "", " =1", 3, -2.5, None])
def test_neutralise_leaves_other_values_alone(value: object) -> None:
    assert neutralise(value) == value


@given(st.sampled_from(DANGEROUS_FIRST_CHARACTERS), st.text())
def test_any_text_starting_with_a_dangerous_character_gets_the_prefix(first: str, rest: str) -> None:
    assert neutralise(first + rest) == HIDDEN_PREFIX + first + rest


@pytest.mark.parametrize(
    "text", ["\uff1d1+1", "\ufe621", "\uff0b1", "\uff0d2+3", "\uff20SUM(A1)", "\ufe6bSUM(A1)"]
)
def test_neutralise_prefixes_compatibility_forms_of_formula_signs(text: str) -> None:
    assert neutralise(text) == HIDDEN_PREFIX + text


@given(
    st.text().filter(
        lambda text: not unicodedata.normalize("NFKC", text[:1]).startswith(DANGEROUS_FIRST_CHARACTERS)
    )
)
def test_any_other_text_is_unchanged(text: str) -> None:
    assert neutralise(text) == text


@given(st.integers() | st.floats(allow_nan=False))
def test_numbers_stay_numbers(number: float) -> None:
    assert neutralise(number) == number


# --- CSV ----------------------------------------------------------------------------------------------------


def test_csv_with_codes_starts_with_the_header_and_no_byte_order_mark(content: RoundContent) -> None:
    first_line = scores_csv(content, headers="codes").splitlines()[0]
    assert first_line == ",".join([*CELL_COLUMNS, *TARGET_COLUMNS])


def test_csv_is_headed_in_words_unless_codes_are_asked_for(compared_content: RoundContent) -> None:
    header = next(csv.reader(io.StringIO(scores_csv(compared_content))))
    codes = [*CELL_COLUMNS, *TARGET_COLUMNS, *COMPARISON_COLUMNS]
    assert header == [HEADER_WORDS[code] for code in codes]
    first = ["Arc", "Arc title", "Viewpoint", "Viewpoint name", "Too few answers to show", "People counted"]
    assert header[:6] == first
    assert "Change" in header and "Times rated 1" in header


def test_csv_rows_are_the_same_whichever_headers(compared_content: RoundContent) -> None:
    words = scores_csv(compared_content).splitlines()
    codes = scores_csv(compared_content, headers="codes").splitlines()
    assert words[1:] == codes[1:]


def test_csv_comparison_columns_come_after_the_target_columns(compared_content: RoundContent) -> None:
    header = scores_csv(compared_content, headers="codes").splitlines()[0]
    assert header == ",".join([*CELL_COLUMNS, *TARGET_COLUMNS, *COMPARISON_COLUMNS])


def test_csv_has_a_row_per_cell_then_per_arc_then_the_round(content: RoundContent) -> None:
    rows = csv_rows(content)
    framework = content.framework
    cells = len(framework.arc_keys) * len(framework.viewpoint_keys)
    assert len(rows) == cells + len(framework.arc_keys) + 1
    assert [r["arc"] for r in rows[cells:-1]] == list(framework.arc_keys)
    assert {r["viewpoint"] for r in rows[cells:]} == {"all"}
    assert rows[-1]["arc"] == "all"


def test_csv_suppressed_cell_says_so_and_has_no_figures(content: RoundContent) -> None:
    row = csv_row(content, *SUPPRESSED)
    assert row["suppressed"] == "yes"
    assert {row[column] for column in FIGURES} == {""}


def test_csv_goes_by_the_suppressed_mark_not_by_missing_figures(content: RoundContent) -> None:
    row = csv_row(with_figures_in_suppressed_cell(content), *SUPPRESSED)
    assert {row[column] for column in FIGURES} == {""}


def test_csv_gives_unsuppressed_figures_to_two_places(content: RoundContent) -> None:
    cell = next(c for c in content.scores.cells if not c.suppressed and round(c.mean, 2) != c.mean)
    row = csv_row(content, cell.arc, cell.viewpoint)
    assert (row["suppressed"], row["n"], row["mean"]) == ("no", str(cell.n), str(round(cell.mean, 2)))
    assert sum(int(row[f"rated_{r}"]) for r in range(1, 6)) == sum(cell.distribution.values())


def test_csv_arc_rows_hold_the_arc_score_and_the_last_row_the_round_score(content: RoundContent) -> None:
    arc = content.framework.arc_keys[0]
    assert csv_row(content, arc, "all")["mean"] == str(round(content.scores.arcs[arc], 2))
    assert csv_rows(content)[-1]["mean"] == str(round(content.scores.overall, 2))


def test_csv_neutralises_formula_like_arc_titles(content: RoundContent) -> None:
    hostile = dataclasses.replace(content, framework=with_arc_title(content.framework, ATTACK))
    assert {r["arc_title"] for r in csv_rows(hostile) if r["arc"] == "red"} == {HIDDEN_PREFIX + ATTACK}


def test_csv_has_comparison_columns_only_with_a_comparison(
    content: RoundContent, compared_content: RoundContent
) -> None:
    assert not set(COMPARISON_COLUMNS) & set(csv_rows(content)[0])
    row = csv_row(compared_content, "red", "practitioner")
    compared = next(
        c for c in compared_content.comparison.cells if (c.arc, c.viewpoint) == ("red", "practitioner")
    )
    assert (row["baseline_mean"], row["delta"], row["comparable"]) == (
        str(round(compared.baseline, 2)),
        f"{round(compared.delta, 2):+.2f}",
        "yes",
    )


def test_csv_suppressed_cell_has_no_change_even_with_a_comparison(compared_content: RoundContent) -> None:
    row = csv_row(compared_content, *SUPPRESSED)
    assert (row["delta"], row["ci_low"], row["ci_high"]) == ("", "", "")


# --- XLSX ---------------------------------------------------------------------------------------------------


def test_xlsx_sheets_are_summary_cells_and_one_per_viewpoint(content: RoundContent) -> None:
    assert workbook(content).sheetnames == ["Summary", "By arc and viewpoint", *VIEWPOINT_SHEETS]


def test_xlsx_has_a_comparison_sheet_with_a_comparison(compared_content: RoundContent) -> None:
    book = workbook(compared_content)
    assert book.sheetnames[-1] == "Comparison"
    assert set(COMPARISON_COLUMNS) <= set(sheet_rows(book["By arc and viewpoint"])[0])


def test_xlsx_has_no_comparison_columns_without_a_comparison(content: RoundContent) -> None:
    assert not set(COMPARISON_COLUMNS) & set(sheet_rows(workbook(content)["By arc and viewpoint"])[0])


def test_xlsx_has_no_answers_sheet_without_raw_answers(content: RoundContent) -> None:
    assert "Answers" not in workbook(content).sheetnames


def test_xlsx_answers_sheet_lists_raw_answers(make_content: MakeContent) -> None:
    content = make_content(raw=True)
    rows = sheet_rows(workbook(content)["Answers"])
    assert len(rows) == len(content.raw_answers)
    assert set(rows[0]) == {"respondent", "viewpoint", "arc", "item", "rating", "sector", "role_level"}
    assert {r["rating"] for r in rows} == {2, 3, 4, 5, "dk", "na"}


def test_xlsx_answers_sheet_leaves_out_answers_from_a_suppressed_cell(make_content: MakeContent) -> None:
    content = make_content(raw=True)
    stray = RawAnswer(999, SUPPRESSED[1], SUPPRESSED[0], "red.child.1", 1, "rating", None, None)
    leaky = dataclasses.replace(content, raw_answers=[*content.raw_answers, stray])
    assert all(r["respondent"] != 999 for r in sheet_rows(workbook(leaky)["Answers"]))


@pytest.mark.parametrize("sheet", ["By arc and viewpoint", "Child or young person"])
def test_xlsx_suppressed_cell_has_no_figures(content: RoundContent, sheet: str) -> None:
    rows = sheet_rows(workbook(with_figures_in_suppressed_cell(content))[sheet])
    row = next(
        r for r in rows if r["arc"] == SUPPRESSED[0] and r.get("viewpoint", SUPPRESSED[1]) == SUPPRESSED[1]
    )
    assert row["suppressed"] == "yes"
    assert {row[column] for column in FIGURES} == {None}


def test_xlsx_neutralises_formula_like_names(make_content: MakeContent) -> None:
    content = make_content(trust_name=ATTACK, round_name="@round", compared=True, baseline_name="-base")
    summary = {row[0]: row[1] for row in workbook(content)["Summary"].iter_rows(values_only=True)}
    assert (summary["Trust"], summary["Round"], summary["Compared with"]) == (ATTACK, "@round", "-base")
    cells = {row[0].value: row[1] for row in workbook(content)["Summary"].iter_rows()}
    assert {cells[item].data_type for item in ("Trust", "Round", "Compared with")} == {"s"}


def test_xlsx_neutralises_formula_like_arc_titles(content: RoundContent) -> None:
    hostile = dataclasses.replace(content, framework=with_arc_title(content.framework, ATTACK))
    rows = sheet_rows(workbook(hostile)["By arc and viewpoint"])
    assert {r["arc_title"] for r in rows if r["arc"] == "red"} == {ATTACK}


def test_xlsx_numbers_are_numeric_cells(compared_content: RoundContent) -> None:
    sheet = workbook(compared_content)["By arc and viewpoint"]
    header = [c.value for c in sheet[1]]
    row = sheet[3]  # red x practitioner, not suppressed
    for column in ("n", "mean", "median", "spread", "rated_1", "dont_know", "baseline_mean", "delta"):
        cell = row[header.index(column)]
        assert cell.data_type == "n" and isinstance(cell.value, int | float), column


def test_xlsx_summary_states_the_minimum_group_size_and_the_rule(content: RoundContent) -> None:
    summary = {row[0]: row[1] for row in workbook(content)["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Minimum group size"] == 5
    assert "fewer than 5 people" in summary["Suppression rule"]
    assert summary["Round score (1 fragmented to 5 integrated)"] == round(content.scores.overall, 2)


def test_xlsx_header_rows_are_bold_and_frozen(compared_content: RoundContent) -> None:
    for sheet in workbook(compared_content).worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(cell.font.b for cell in sheet[1] if cell.value is not None), sheet.title


def test_xlsx_columns_are_widened_for_long_text(content: RoundContent) -> None:
    sheet = workbook(content)["By arc and viewpoint"]
    assert sheet.column_dimensions["B"].width > 40  # arc titles


def test_sheet_titles_are_cut_to_31_characters_cleaned_and_unique() -> None:
    taken: set[str] = set()
    first = sheet_title("Children and young people: what they say [all]", taken)
    second = sheet_title("Children and young people: what they say [all]", taken)
    assert len(first) <= 31 and len(second) <= 31
    assert first != second
    assert not set("[]:*?/\\") & set(first + second)


def test_xlsx_comparison_sheet_keeps_only_the_baseline_figure_of_a_suppressed_cell(
    compared_content: RoundContent,
) -> None:
    rows = sheet_rows(workbook(with_figures_in_suppressed_cell(compared_content))["Comparison"])
    row = next(r for r in rows if (r["arc"], r["viewpoint"]) == SUPPRESSED)
    assert row["baseline"] is not None
    assert (row["current"], row["delta"], row["ci_low"], row["ci_high"], row["may_be_chance"]) == (None,) * 5


# --- targets and gaps ---------------------------------------------------------------------------------------


def expected_gap(level: float, score: float) -> str:
    """Target minus score, from the score as shown (to two places)."""
    return f"{round(level - round(score, 2), 2):+.2f}"


def test_csv_arc_row_has_the_whole_arc_target_and_gap(plan_content: RoundContent) -> None:
    row = csv_row(plan_content, "red", "all")
    assert (row["target"], row["gap"]) == ("4.0", expected_gap(4.0, plan_content.scores.arcs["red"]))
    assert row["gap"] == "+0.49"


def test_csv_gap_is_negative_when_the_target_is_passed(plan_content: RoundContent) -> None:
    row = csv_row(plan_content, "green", "all")
    assert (row["target"], row["gap"]) == ("2.5", expected_gap(2.5, plan_content.scores.arcs["green"]))
    assert float(row["gap"]) < 0


def test_csv_cell_row_has_its_viewpoint_target_and_gap(plan_content: RoundContent) -> None:
    cell = next(c for c in plan_content.scores.cells if (c.arc, c.viewpoint) == ("red", "practitioner"))
    row = csv_row(plan_content, "red", "practitioner")
    assert (row["target"], row["gap"]) == ("4.25", expected_gap(4.25, cell.mean))


def test_csv_suppressed_cell_keeps_its_target_but_has_no_gap(plan_content: RoundContent) -> None:
    row = csv_row(with_figures_in_suppressed_cell(plan_content), *SUPPRESSED)
    assert (row["target"], row["gap"]) == ("3.5", "")


def test_csv_target_and_gap_are_empty_where_there_is_no_target(plan_content: RoundContent) -> None:
    rows = [
        csv_row(plan_content, "orange", "all"),
        csv_row(plan_content, "red", "team"),
        csv_rows(plan_content)[-1],
    ]
    assert {(row["target"], row["gap"]) for row in rows} == {("", "")}


def test_xlsx_targets_sheet_lists_targets_in_framework_order_with_score_and_gap(
    plan_content: RoundContent,
) -> None:
    rows = sheet_rows(workbook(plan_content)["Targets"])
    red, green = plan_content.scores.arcs["red"], plan_content.scores.arcs["green"]
    assert [tuple(r.values()) for r in rows] == [
        (RED, "Whole arc", 4.0, round(red, 2), round(4.0 - round(red, 2), 2)),
        (RED, "Child or young person", 3.5, None, None),
        (RED, "Practitioner", 4.25, 3.5, 0.75),
        (GREEN, "Whole arc", 2.5, round(green, 2), round(2.5 - round(green, 2), 2)),
    ]
    assert list(rows[0]) == ["Arc", "Viewpoint", "Target", "Current score", "Gap"]


def test_xlsx_targets_sheet_shows_no_score_or_gap_for_a_suppressed_cell(plan_content: RoundContent) -> None:
    rows = sheet_rows(workbook(with_figures_in_suppressed_cell(plan_content))["Targets"])
    row = next(r for r in rows if r["Viewpoint"] == "Child or young person")
    assert (row["Target"], row["Current score"], row["Gap"]) == (3.5, None, None)


def test_xlsx_target_figures_are_numbers_to_two_places(plan_content: RoundContent) -> None:
    sheet = workbook(plan_content)["Targets"]
    for cell in sheet[2][2:4]:
        assert cell.data_type == "n" and cell.number_format == "0.00", cell.coordinate
    gap = sheet[2][4]
    assert gap.data_type == "n" and gap.number_format == SIGNED


def test_xlsx_cell_sheet_has_target_and_gap_columns(plan_content: RoundContent) -> None:
    rows = sheet_rows(workbook(plan_content)["By arc and viewpoint"])
    row = next(r for r in rows if (r["arc"], r["viewpoint"]) == ("red", "practitioner"))
    assert (row["target"], row["gap"]) == (4.25, 0.75)


# --- the action plan and support needs ----------------------------------------------------------------------


def test_xlsx_plan_sheets_follow_the_comparison(plan_content: RoundContent) -> None:
    assert workbook(plan_content).sheetnames[-4:] == ["Comparison", *PLAN_SHEETS]


def test_xlsx_has_no_plan_sheets_without_targets_actions_or_support_needs(content: RoundContent) -> None:
    assert not set(PLAN_SHEETS) & set(workbook(content).sheetnames)


@pytest.mark.parametrize(
    ("field", "sheet"),
    [("targets", "Targets"), ("actions", "Action plan"), ("support_needs", "Support needs")],
)
def test_xlsx_has_a_plan_sheet_only_for_what_there_is(content: RoundContent, field: str, sheet: str) -> None:
    given = {"targets": TARGETS, "actions": ACTIONS, "support_needs": SUPPORT_NEEDS}[field]
    names = workbook(dataclasses.replace(content, **{field: given})).sheetnames
    assert [name for name in names if name in PLAN_SHEETS] == [sheet]


def test_xlsx_action_plan_sheet_lists_each_action_in_plan_order(plan_content: RoundContent) -> None:
    rows = sheet_rows(workbook(plan_content)["Action plan"])
    assert [r["Action"] for r in rows] == [action.title for action in ACTIONS]
    joint = rows[0]
    assert joint["Action"] == "Joint induction for new starters <across health & care>"
    assert joint["Arcs"] == f"{RED}; {GREEN}"
    assert (joint["Timescale"], joint["Lead officer"], joint["Status"]) == (
        "By March 2026",
        "Head of Workforce Development",
        "On track",
    )
    assert joint["Outcomes"] == JOINT_INDUCTION.outcomes
    assert joint["Resources or estimated cost"] == "£12,000 from the workforce budget"


def test_xlsx_action_plan_gives_status_in_words(plan_content: RoundContent) -> None:
    rows = sheet_rows(workbook(plan_content)["Action plan"])
    assert [r["Status"] for r in rows] == ["On track", "Not started", "At risk"]


def test_xlsx_action_due_date_is_a_date_cell(plan_content: RoundContent) -> None:
    sheet = workbook(plan_content)["Action plan"]
    due = sheet["E2"]
    assert sheet["E1"].value == "Due date"
    assert due.is_date and due.value == datetime(2026, 3, 31)
    assert sheet["E3"].value is None  # no due date


@pytest.mark.parametrize("field", ["title", "outcomes", "timescale", "lead_officer", "resources"])
def test_xlsx_neutralises_formula_like_action_text(plan_content: RoundContent, field: str) -> None:
    hostile = dataclasses.replace(JOINT_INDUCTION, **{field: ATTACK})
    book = workbook(dataclasses.replace(plan_content, actions=[hostile]))
    cell = next(cell for cell in book["Action plan"][2] if cell.value == ATTACK)
    assert cell.data_type == "s"  # text, never a formula, with no prefix to show


def test_xlsx_neutralises_formula_like_support_needs(plan_content: RoundContent) -> None:
    hostile = dataclasses.replace(SUPPORT_NEEDS[0], description="@SUM(A1:A9)")
    rows = sheet_rows(workbook(dataclasses.replace(plan_content, support_needs=[hostile]))["Support needs"])
    assert rows[0]["Description"] == "@SUM(A1:A9)"


def test_xlsx_support_needs_sheet_lists_needs_by_arc_in_framework_order(plan_content: RoundContent) -> None:
    rows = sheet_rows(workbook(plan_content)["Support needs"])
    assert [(r["Arc"], r["Kind of support"]) for r in rows] == [
        (RED, "Training"),
        (RED, "Data and evidence"),
        ("Strong leadership, management and supervision", "Leadership"),
    ]
    assert rows[0]["Description"] == "Joint safeguarding training for schools & early years."


# --- signs and dates --------------------------------------------------------------------------------------


def test_xlsx_changes_and_intervals_are_numbers_shown_with_their_sign(compared_content: RoundContent) -> None:
    sheet = workbook(compared_content)["By arc and viewpoint"]
    header = [c.value for c in sheet[1]]
    for column in ("delta", "ci_low", "ci_high", "gap"):
        cells = [row[header.index(column)] for row in sheet.iter_rows(min_row=2)]
        assert all(cell.number_format == SIGNED for cell in cells if cell.value is not None), column
    assert any(cell.data_type == "n" for cell in cells)


def test_xlsx_was_created_when_the_content_was_generated(content: RoundContent) -> None:
    created = workbook(content).properties.created
    assert created == content.generated_at.astimezone(UTC).replace(tzinfo=None)
    assert created.year != 2000 and created.year > 2006


def test_csv_changes_and_gaps_carry_their_sign(plan_content: RoundContent) -> None:
    rows = csv_rows(plan_content)
    signed = [row[column] for row in rows for column in ("delta", "ci_low", "ci_high", "gap") if row[column]]
    assert signed
    assert all(value[0] in "+-" or value == "0.00" for value in signed), signed
