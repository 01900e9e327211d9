import pytest
from matplotlib.text import Text

from framework.charts.trend_chart import render_trend, trend_figure
from framework.trend import TrendLine, TrendPoint

ROUNDS = ["2009 baseline", "2010 re-assessment", "2011 follow-up"]


def line(key: str, label: str, *scores: float | None) -> TrendLine:
    points = tuple(
        TrendPoint(
            name, score, None if score is None else score - 0.2, None if score is None else score + 0.2
        )
        for name, score in zip(ROUNDS, scores, strict=True)
    )
    return TrendLine(key, label, "#c62828", points)


LINES = [
    line("red", "Keeping children safe", 2.1, 2.6, 3.25),
    line("orange", "Children shape the workforce", None, 2.0, 2.4),
]


def shown_texts(lines: list[TrendLine]) -> set[str]:
    figure = trend_figure("Riverside: each arc over the years", ROUNDS, lines)
    return {artist.get_text() for artist in figure.findobj(Text)}


def test_each_arc_is_a_panel_named_in_full_with_its_figures() -> None:
    texts = shown_texts(LINES)
    assert {"Keeping children safe", "Children shape the workforce"} <= texts
    assert {"2.10", "2.60", "3.25", "2.00", "2.40"} <= texts


def test_a_round_with_every_cell_hidden_says_too_few_and_has_no_point() -> None:
    figure = trend_figure("t", ROUNDS, LINES)
    gids = {artist.get_gid() for artist in figure.findobj() if artist.get_gid()}
    assert "orange-point-0" not in gids and "orange-point-1" in gids and "red-interval-2" in gids
    assert "too few" in shown_texts(LINES)


def test_the_same_figures_give_the_same_svg() -> None:
    assert render_trend("t", ROUNDS, LINES, "svg") == render_trend("t", ROUNDS, LINES, "svg")


def test_scale_two_doubles_the_png() -> None:
    small, large = (render_trend("t", ROUNDS, LINES, "png", scale=s) for s in (1, 2))
    width = int.from_bytes(small[16:20], "big")
    assert int.from_bytes(large[16:20], "big") == 2 * width


def test_a_line_without_a_point_per_round_is_refused() -> None:
    with pytest.raises(ValueError, match="red: 3 points for 2 rounds"):
        trend_figure("t", ROUNDS[:2], LINES[:1])
