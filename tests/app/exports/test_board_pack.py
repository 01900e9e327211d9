"""The PDF board pack read back as text: every arc, the names, suppression honoured, markup kept literal,
targets, the action plan and support needs."""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import pikepdf
import pytest
from pypdf import PdfReader

from app.exports.board_pack import _viewpoint_bars, board_pack_pdf
from app.exports.content import ActionLine, RoundContent
from app.exports.pack_words import by_urgency, summary_text, when_text
from framework.scoring import ArcComparison
from tests.app.exports.conftest import (
    ACTIONS,
    JOINT_INDUCTION,
    SUPPRESSED,
    MakeContent,
    with_figures_in_suppressed_cell,
)


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text with runs of white space made single spaces, so wrapped lines still match."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


SECTIONS = ("Action plan", "Support needs", "How the scores are worked out")


def arc_page(pages: list[str], content: RoundContent, arc: str) -> str:
    """The arc's pages: the one that opens with its title and any it runs on to, up to the next section."""
    titles = tuple(a.title for a in content.framework.arcs)
    title = content.framework.arc(arc).title
    start = next(index for index, page in enumerate(pages) if page.startswith(title))
    end = next(
        (i for i in range(start + 1, len(pages)) if pages[i].startswith((*titles, *SECTIONS))), len(pages)
    )
    return " ".join(pages[start:end])


def figures(pdf: bytes) -> list[str]:
    """The alternative text of every figure in the PDF's structure tree, in reading order."""
    found: list[str] = []

    def walk(element: pikepdf.Object) -> None:
        if isinstance(element, pikepdf.Array):
            for child in element:
                walk(child)
        elif isinstance(element, pikepdf.Dictionary) and "/S" in element:
            if element.S == "/Figure":
                found.append(str(element.get("/Alt", "")))
            if "/K" in element:
                walk(element.K)

    with pikepdf.open(io.BytesIO(pdf)) as document:
        walk(document.Root.StructTreeRoot.K)
    return found


# A pack takes about a second to build, so each module builds the common ones once.
@pytest.fixture(scope="module")
def pdf(content: RoundContent) -> bytes:
    return board_pack_pdf(content)


@pytest.fixture(scope="module")
def pages(pdf: bytes) -> list[str]:
    return page_texts(pdf)


@pytest.fixture(scope="module")
def compared_pages(compared_content: RoundContent) -> list[str]:
    return page_texts(board_pack_pdf(compared_content))


@pytest.fixture(scope="module")
def plan_pages(plan_content: RoundContent) -> list[str]:
    return page_texts(board_pack_pdf(plan_content))


def section(pages: list[str], heading: str) -> str:
    return next(page for page in pages if page.startswith(heading))


def test_the_pack_is_a_pdf(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF")


def test_every_arc_has_a_page_that_opens_with_its_full_title(content: RoundContent, pages: list[str]) -> None:
    for arc in content.framework.arcs:
        assert any(page.startswith(arc.title) for page in pages), arc.title


def test_the_cover_names_the_trust_and_round(pages: list[str]) -> None:
    assert "Northshire Children's Trust Spring 2025 Period 1 March 2025 to 30 April 2025" in pages[0]


def test_every_page_has_a_footer_with_the_trust_and_its_number(pages: list[str]) -> None:
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Northshire Children's Trust · Spring 2025" in page


def test_a_suppressed_cell_says_too_few_answers_instead_of_its_figures(
    content: RoundContent, pages: list[str]
) -> None:
    page = arc_page(pages, content, SUPPRESSED[0])
    assert "Child or young person too few answers (fewer than 5) Practitioner" in page


def test_a_cell_marked_suppressed_shows_none_of_the_figures_it_holds(content: RoundContent) -> None:
    leaky = with_figures_in_suppressed_cell(content)  # n=987, mean 4.987
    pages = page_texts(board_pack_pdf(leaky))
    assert not any("987" in page for page in pages)
    assert "4.99" not in arc_page(pages, leaky, SUPPRESSED[0])


def test_names_with_markup_are_shown_literally(make_content: MakeContent) -> None:
    content = make_content(trust_name="Smith <b>& Jones", round_name="Round <i>2</i>", compared=True)
    text = " ".join(page_texts(board_pack_pdf(content)))
    assert "Smith <b>& Jones" in text
    assert "Round <i>2</i>" in text


def test_with_a_comparison_the_baseline_is_named_and_changes_are_shown(
    compared_content: RoundContent, compared_pages: list[str]
) -> None:
    assert "Spring 2025, compared with Autumn 2024" in compared_pages[0]
    assert "Baseline Change 95% interval May be chance" in compared_pages[1]
    red = next(a for a in compared_content.comparison.arcs if a.arc == "red")
    assert f"Autumn 2024: {red.baseline:.2f}. Change {red.delta:+.2f}" in arc_page(
        compared_pages, compared_content, "red"
    )


def test_without_a_comparison_no_baseline_is_mentioned(pages: list[str]) -> None:
    text = " ".join(pages)
    assert "compared with" not in text
    assert "Autumn 2024" not in text
    assert "May be chance" not in text


def test_the_method_page_states_the_suppression_thresholds(pages: list[str]) -> None:
    assert "fewer than 5 people counted shows no figures at all" in pages[-1]
    assert "groups of at least 10 people" in pages[-1]
    assert "bootstrap" in pages[-1]


def test_the_rainbow_picture_is_included_when_given(make_content: MakeContent, pdf: bytes) -> None:
    drawn = board_pack_pdf(make_content(rainbow=True))
    with_rainbow = figures(drawn)
    assert sum(alt.startswith("The rainbow") for alt in with_rainbow) == 1
    assert not any(alt.startswith("The rainbow") for alt in figures(pdf))
    assert images(drawn) == images(pdf) + 1  # the picture itself, not only its place


def images(pdf: bytes) -> int:
    """How many pictures the PDF holds (WeasyPrint shares them all among the pages)."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return sum(
            1
            for obj in document.objects
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image" and "/SMask" in obj
        )


def test_the_same_content_gives_the_same_pdf(content: RoundContent, pdf: bytes) -> None:
    assert board_pack_pdf(content) == pdf


# --- the cover summary ------------------------------------------------------------------------------------


def test_the_summary_gives_the_round_score_and_the_groups_with_too_few_answers(content: RoundContent) -> None:
    summary = summary_text(content)
    assert f"The round score is {content.scores.overall:.2f}" in summary
    assert "1 of 40 groups" in summary


def with_arc_changes(content: RoundContent, changes: dict[str, tuple[float, float, float]]) -> RoundContent:
    """The comparison with these arcs' (delta, ci_low, ci_high) and no change elsewhere."""
    assert content.comparison is not None
    arcs = tuple(
        ArcComparison(
            a.arc, 3.0, 3.0 + changes[a.arc][0], *changes[a.arc], changes[a.arc][1] <= 0 <= changes[a.arc][2]
        )
        if a.arc in changes
        else dataclasses.replace(a, delta=None, ci_low=None, ci_high=None, includes_zero=None)
        for a in content.comparison.arcs
    )
    return dataclasses.replace(content, comparison=dataclasses.replace(content.comparison, arcs=arcs))


def test_the_summary_names_the_biggest_moves_up_and_down(compared_content: RoundContent) -> None:
    changed = with_arc_changes(
        compared_content, {"green": (0.4, 0.1, 0.7), "blue": (0.2, 0.05, 0.3), "pink": (-0.3, -0.6, 0.05)}
    )
    summary = summary_text(changed)
    assert (
        "biggest move up was in Integrated working practices (+0.40, 95% interval +0.10 to +0.70)" in summary
    )
    assert (
        "The biggest move down was in Children, young people and families shape the workforce "
        "(\u22120.30; its 95% interval, \u22120.60 to +0.05, includes 0, so this may be chance)"
    ) in summary


def test_the_summary_says_when_no_arc_moved_down(compared_content: RoundContent) -> None:
    summary = summary_text(with_arc_changes(compared_content, {"green": (0.4, 0.1, 0.7)}))
    assert "No arc moved down." in summary


def test_the_summary_says_when_no_arc_could_be_compared(compared_content: RoundContent) -> None:
    summary = summary_text(with_arc_changes(compared_content, {}))
    assert "No arc could be compared with Autumn 2024" in summary


def test_without_a_plan_no_target_action_or_support_is_mentioned(pages: list[str]) -> None:
    text = " ".join(pages)
    for words in ("Target", "Gap", "Action", "Support"):
        assert words not in text, words


# --- targets ----------------------------------------------------------------------------------------------


def test_the_arc_table_gives_each_arc_target_and_its_gap(
    plan_content: RoundContent, plan_pages: list[str]
) -> None:
    red = plan_content.scores.arcs["red"]
    assert "Arc Score Target Gap Baseline" in plan_pages[1]
    assert (
        f"Capacity to deliver and keep children safe {red:.2f} 4.00 +{4 - round(red, 2):.2f}" in plan_pages[1]
    )
    assert "Integrated working practices 3.54 2.50 \u22121.04" in plan_pages[1]


def test_the_viewpoint_table_gives_each_viewpoint_target_and_the_whole_arc(
    plan_content: RoundContent, plan_pages: list[str]
) -> None:
    page = arc_page(plan_pages, plan_content, "red")
    assert "Baseline Change Target" in page
    assert "may be chance 4.25 gap +0.75 Team" in page  # practitioner: 3.50 now
    assert f"Whole arc {plan_content.scores.arcs['red']:.2f} 4.00 gap +0.49" in page


def test_a_suppressed_cell_shows_its_target_but_no_gap(plan_content: RoundContent) -> None:
    pages = page_texts(board_pack_pdf(with_figures_in_suppressed_cell(plan_content)))
    page = arc_page(pages, plan_content, SUPPRESSED[0])
    assert "too few answers (fewer than 5) 3.17 \u2013 3.50 gap \u2013 Practitioner" in page


# --- actions ----------------------------------------------------------------------------------------------


def test_the_action_title_is_in_the_pack_with_its_markup_shown_literally(plan_pages: list[str]) -> None:
    assert "Joint induction for new starters <across health & care>" in " ".join(plan_pages)


def test_an_action_on_two_arcs_is_on_both_arc_pages(
    plan_content: RoundContent, plan_pages: list[str]
) -> None:
    for arc in JOINT_INDUCTION.arcs:
        page = arc_page(plan_pages, plan_content, arc)
        assert "Actions on this arc Action Outcomes By when Lead officer Status Joint induction" in page, arc
        assert "By March 2026; due 31 Mar 2026 Head of Workforce Development On track" in page, arc


def test_an_arc_page_says_when_the_plan_has_no_action_on_the_arc(
    plan_content: RoundContent, plan_pages: list[str]
) -> None:
    assert "The action plan has no action on this arc." in arc_page(plan_pages, plan_content, "orange")


def test_the_action_plan_comes_after_the_arc_pages_and_before_the_method(
    plan_content: RoundContent, plan_pages: list[str]
) -> None:
    last_arc = plan_pages.index(arc_page(plan_pages, plan_content, "pink"))
    headings = [page.split(" ")[0] for page in plan_pages[last_arc + 1 :]]
    assert headings == ["Action", "Support", "How"]


def test_the_action_plan_lists_actions_at_risk_first_with_status_in_words(plan_pages: list[str]) -> None:
    page = section(plan_pages, "Action plan")
    assert "Action Arcs Outcomes By when Lead officer Resources or cost Status" in page
    titles = ["Audit the quality of supervision", "Young people on every interview panel", "Joint induction"]
    assert [page.index(title) for title in titles] == sorted(page.index(title) for title in titles)
    assert "Two days of an auditor's time At risk" in page
    assert "Summer 2026 \u2013 \u2013 Not started" in page


def test_the_action_plan_names_arcs_by_short_title(plan_pages: list[str]) -> None:
    assert "Keeping children safe; Integrated working" in section(plan_pages, "Action plan")


def test_long_outcomes_split_across_pages_instead_of_failing(plan_content: RoundContent) -> None:
    words = " ".join(f"word{i}" for i in range(400))  # far taller than a page in a table cell
    long = dataclasses.replace(JOINT_INDUCTION, outcomes=words)
    text = " ".join(page_texts(board_pack_pdf(dataclasses.replace(plan_content, actions=[long]))))
    assert text.count("word399") == 3  # on both arcs' pages and in the plan


def test_actions_are_ordered_by_status_then_due_date_undated_last() -> None:
    def action(title: str, status: str, due: date | None) -> ActionLine:
        return dataclasses.replace(JOINT_INDUCTION, title=title, status=status, due=due)

    actions = [
        action("done", "done", date(2025, 1, 1)),
        action("on track, undated", "on_track", None),
        action("on track, late", "on_track", date(2026, 6, 1)),
        action("on track, soon", "on_track", date(2025, 6, 1)),
        action("not started", "not_started", None),
        action("at risk", "at_risk", date(2027, 1, 1)),
    ]
    assert [a.title for a in by_urgency(actions)] == [
        "at risk",
        "not started",
        "on track, soon",
        "on track, late",
        "on track, undated",
        "done",
    ]


@pytest.mark.parametrize(
    ("timescale", "due", "words"),
    [
        ("By March 2026", date(2026, 3, 31), "By March 2026; due 31 Mar 2026"),
        (None, date(2025, 12, 1), "due 1 Dec 2025"),
        ("Summer 2026", None, "Summer 2026"),
        (None, None, "\u2013"),
    ],
)
def test_when_an_action_is_due_is_its_timescale_and_due_date(
    timescale: str | None, due: date | None, words: str
) -> None:
    assert when_text(dataclasses.replace(JOINT_INDUCTION, timescale=timescale, due=due)) == words


# --- support needs ----------------------------------------------------------------------------------------


def test_an_arc_page_lists_the_support_the_arc_needs(
    plan_content: RoundContent, plan_pages: list[str]
) -> None:
    page = arc_page(plan_pages, plan_content, "red")
    assert (
        "Support needed Kind of support What is needed Training Joint safeguarding training for schools & "
        "early years. Data and evidence Help to link workforce and outcome data."
    ) in page


def test_the_support_section_lists_needs_by_arc_in_framework_order(plan_pages: list[str]) -> None:
    page = section(plan_pages, "Support needs")
    assert page.index("Capacity to deliver and keep children safe Training") < page.index(
        "Strong leadership, management and supervision Leadership A peer mentor"
    )


def test_an_arc_with_several_needs_is_named_on_each_row(plan_pages: list[str]) -> None:
    page = section(plan_pages, "Support needs")
    assert page.count("Capacity to deliver and keep children safe") == 2


# --- the summary of the plan -------------------------------------------------------------------------------


def test_the_summary_counts_the_actions_and_those_at_risk(plan_content: RoundContent) -> None:
    assert "The action plan has 3 actions, 1 of them at risk." in summary_text(plan_content)


def test_the_summary_says_when_no_action_is_at_risk(plan_content: RoundContent) -> None:
    on_track = [dataclasses.replace(a, status="on_track") for a in ACTIONS]
    assert "3 actions, none of them at risk." in summary_text(
        dataclasses.replace(plan_content, actions=on_track)
    )


def test_the_summary_of_a_single_action_says_whether_it_is_at_risk(plan_content: RoundContent) -> None:
    at_risk = dataclasses.replace(JOINT_INDUCTION, status="at_risk")
    assert "The action plan has 1 action, and it is at risk." in summary_text(
        dataclasses.replace(plan_content, actions=[at_risk])
    )


def test_the_summary_does_not_mention_a_plan_there_is_not(content: RoundContent) -> None:
    assert "action" not in summary_text(content)


def test_the_cover_lists_the_plan_sections(plan_pages: list[str]) -> None:
    assert "then the action plan and the support needed" in plan_pages[0]


def test_a_pack_built_again_draws_no_arc_chart_again(make_content: MakeContent) -> None:
    content = make_content(trust_name="Cached Trust")
    board_pack_pdf(content)
    before = _viewpoint_bars.cache_info()
    board_pack_pdf(content)
    after = _viewpoint_bars.cache_info()
    assert after.misses == before.misses
    assert after.hits - before.hits == len(content.framework.arcs)
