"""The viewpoint bars of one arc: a bar per viewpoint with a figure, words where there are too few answers."""

from __future__ import annotations

import ast
from io import BytesIO
from pathlib import Path

import matplotlib
import pytest
from matplotlib.image import imread

from framework.charts import viewpoint_bars
from framework.charts.viewpoint_bars import draw_viewpoint_bars, viewpoint_bars_figure
from framework.model import readable_text_colour

ROWS = [
    ("Child or young person", None, 2.4),
    ("Practitioner", 3.42, 3.1),
    ("Team", 4.5, None),
]


TARGETS = [3.5, None, 4.25]


def figure(  # type: ignore[no-untyped-def]
    *, baseline_label: str | None = "Autumn 2024", targets: list[float | None] | None = None
):
    return viewpoint_bars_figure(
        arc_title="Common values and language",
        colour="#EF6C00",
        rows=ROWS,
        current_label="Spring 2025",
        baseline_label=baseline_label,
        targets=targets,
    )


def ticks(fig) -> list:  # type: ignore[no-untyped-def]
    (axes,) = fig.axes
    return [line for line in axes.lines if line.get_gid() == "target"]


def bars(fig, gid: str) -> list:  # type: ignore[no-untyped-def]
    (axes,) = fig.axes
    return [patch for patch in axes.patches if patch.get_gid() == gid]


def texts(fig) -> list[str]:  # type: ignore[no-untyped-def]
    (axes,) = fig.axes
    return [text.get_text() for text in axes.texts]


def test_the_chart_is_a_png_of_seven_by_three_point_two_inches_at_120_dpi() -> None:
    png = draw_viewpoint_bars(
        arc_title="Common values and language",
        colour="#EF6C00",
        rows=ROWS,
        current_label="Spring 2025",
        baseline_label=None,
    )
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    height, width, _channels = imread(BytesIO(png)).shape
    assert (width, height) == (840, 384)


def test_each_viewpoint_with_a_mean_gets_a_bar_from_1_to_its_mean_in_the_arc_colour() -> None:
    current = bars(figure(), "current")
    assert [(bar.get_x(), round(bar.get_x() + bar.get_width(), 2)) for bar in current] == [
        (1, 3.42),
        (1, 4.5),
    ]
    assert all(matplotlib.colors.to_hex(bar.get_facecolor()) == "#ef6c00" for bar in current)


def test_current_bars_have_a_dark_edge_so_they_show_in_greyscale() -> None:
    for bar in bars(figure(), "current"):
        assert readable_text_colour(matplotlib.colors.to_hex(bar.get_edgecolor())) == "#ffffff"


def test_a_missing_mean_is_written_as_too_few_answers_and_has_no_bar() -> None:
    fig = figure(baseline_label=None)
    assert texts(fig).count("too few answers") == 1
    assert len(bars(fig, "current")) == 2


def test_every_mean_is_printed_at_the_end_of_its_bar() -> None:
    assert {"3.42", "4.50", "2.40", "3.10"} <= set(texts(figure()))


def test_baseline_bars_are_thinner_and_drawn_only_with_a_baseline_label() -> None:
    with_baseline = figure()
    baseline = bars(with_baseline, "baseline")
    assert [round(bar.get_x() + bar.get_width(), 2) for bar in baseline] == [2.4, 3.1]
    assert max(bar.get_height() for bar in baseline) < min(
        b.get_height() for b in bars(with_baseline, "current")
    )
    assert bars(figure(baseline_label=None), "baseline") == []


def test_the_legend_names_the_round_and_its_baseline() -> None:
    (legend,) = figure().legends
    assert [text.get_text() for text in legend.get_texts()] == ["Spring 2025", "Autumn 2024"]


def test_the_x_axis_runs_from_1_to_5_with_gridlines() -> None:
    (axes,) = figure().axes
    assert list(axes.get_xticks()) == [1, 2, 3, 4, 5]
    assert axes.get_xlim()[0] == 1
    assert all(line.get_visible() for line in axes.get_xgridlines())


def test_drawing_leaves_the_global_rcparams_alone() -> None:
    before = dict(matplotlib.rcParams)
    draw_viewpoint_bars(
        arc_title="x", colour="#000000", rows=ROWS, current_label="now", baseline_label="then"
    )
    assert dict(matplotlib.rcParams) == before


def test_the_module_never_imports_pyplot() -> None:
    tree = ast.parse(Path(viewpoint_bars.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any("pyplot" in name for name in imported)


def test_a_target_is_a_tick_at_its_level_across_its_row() -> None:
    drawn = ticks(figure(targets=TARGETS))
    assert [tuple(tick.get_xdata()) for tick in drawn] == [(3.5, 3.5), (4.25, 4.25)]
    (low, high), bar = drawn[1].get_ydata(), bars(figure(), "current")[1]  # the team's row
    assert low < bar.get_y() and high > bar.get_y() + bar.get_height()


def test_without_targets_no_tick_is_drawn_and_the_legend_has_no_target() -> None:
    fig = figure()
    assert ticks(fig) == []
    (legend,) = fig.legends
    assert "Target" not in [text.get_text() for text in legend.get_texts()]


def test_the_legend_names_the_target_tick() -> None:
    (legend,) = figure(targets=TARGETS).legends
    assert [text.get_text() for text in legend.get_texts()] == ["Spring 2025", "Autumn 2024", "Target"]


def test_targets_must_match_the_rows() -> None:
    with pytest.raises(ValueError, match="2 targets for 3 rows"):
        figure(targets=[3.0, 4.0])
