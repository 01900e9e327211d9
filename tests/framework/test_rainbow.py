"""The rainbow chart: geometry of the bands, what is printed, suppression, rendering and its digest."""

from __future__ import annotations

import io
import itertools
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import matplotlib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Wedge
from matplotlib.text import Text
from PIL import Image

from framework.charts.rainbow import draw, render
from framework.charts.rainbow_chart import (
    DRAWING_VERSION,
    Band,
    Format,
    RainbowChart,
    bands_for,
    chart_digest,
    describe,
    score_angle,
    value_text,
)
from framework.model import DEFAULT_FRAMEWORK_FILE, load_framework

FRAMEWORK = load_framework(DEFAULT_FRAMEWORK_FILE)
KEYS = FRAMEWORK.arc_keys
SCORES = dict(zip(KEYS, [3.4, 2.6, None, 4.1, 3.0, 1.0, 2.25, 4.75], strict=True))
BASELINES = dict(zip(KEYS, [2.9, 2.8, 2.5, 3.3, None, 1.4, 2.0, 4.0], strict=True))
TARGETS = {"red": 4.0, "orange": 3.5, "green": 4.5, "pink": 5.0}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def plain_chart(**scores: float | None) -> RainbowChart:
    return RainbowChart("Anytown: 2010", bands_for(FRAMEWORK, {**SCORES, **scores}), current_label="2010")


def full_chart() -> RainbowChart:
    return RainbowChart(
        "Anytown Children's Trust: 2010 re-assessment",
        bands_for(FRAMEWORK, SCORES, baselines=BASELINES, targets=TARGETS),
        current_label="2010 re-assessment",
        baseline_label="2009 baseline",
    )


def twelve_band_chart() -> RainbowChart:
    bands = tuple(
        Band(f"arc{i}", f"A rather long arc name number {i}", "#1565C0", 1 + i / 3, baseline=3.0, target=4.0)
        for i in range(12)
    )
    return RainbowChart("Twelve arcs", bands, baseline_label="Baseline round")


def by_gid(figure: Figure, gid: str) -> Artist:
    [found] = figure.findobj(lambda artist: artist.get_gid() == gid)
    return found


def wedge(figure: Figure, gid: str) -> Wedge:
    found = by_gid(figure, gid)
    assert isinstance(found, Wedge)
    return found


def found(figure: Figure, gid: str) -> list[Artist]:
    return figure.findobj(lambda artist: artist.get_gid() == gid)


def texts(figure: Figure) -> list[Text]:
    return [text for text in figure.texts if text.get_text()]


def png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


# --- validation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["score", "baseline", "target"])
@pytest.mark.parametrize("value", [0.99, 5.01, math.nan, True])
def test_a_value_off_the_scale_is_refused_naming_the_band_and_field(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=rf"'orange'.*{field}"):
        Band("orange", "Common values", "#EF6C00", **{"score": 3.0, field: value})


@pytest.mark.parametrize("colour", ["red", "#EF6C0", "#EF6C00FF", "EF6C00", "#GGGGGG"])
def test_a_colour_that_is_not_rrggbb_is_refused_naming_the_band(colour: str) -> None:
    with pytest.raises(ValueError, match=r"'orange'.*colour"):
        Band("orange", "Common values", colour, 3.0)


def test_a_chart_without_bands_is_refused() -> None:
    with pytest.raises(ValueError, match="1 to 12 bands"):
        RainbowChart("Empty", ())


def test_a_chart_of_more_than_twelve_bands_is_refused() -> None:
    bands = tuple(Band(f"arc{i}", "Arc", "#123456", 3.0) for i in range(13))
    with pytest.raises(ValueError, match="1 to 12 bands"):
        RainbowChart("Too many", bands)


def test_a_key_used_twice_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'red'.*twice"):
        RainbowChart("Twice", (Band("red", "A", "#C62828", 3.0), Band("red", "B", "#C62828", 2.0)))


def test_a_baseline_on_a_chart_without_a_baseline_round_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'red'.*baseline_label"):
        RainbowChart("No round", (Band("red", "Keeping children safe", "#C62828", 3.0, baseline=2.0),))


# --- bands from the framework -------------------------------------------------------------------------------


def test_bands_follow_the_framework_with_its_short_titles_and_colours() -> None:
    bands = bands_for(FRAMEWORK, SCORES, baselines=BASELINES, targets=TARGETS)
    assert [band.key for band in bands] == list(KEYS)
    assert [band.label for band in bands] == [arc.short_title for arc in FRAMEWORK.arcs]
    assert [band.colour for band in bands] == [arc.colour for arc in FRAMEWORK.arcs]
    assert bands[0].score == 3.4 and bands[0].baseline == 2.9 and bands[0].target == 4.0
    assert bands[2].target is None


def test_an_arc_without_a_score_is_a_suppressed_band() -> None:
    bands = bands_for(FRAMEWORK, {"red": 3.0})
    assert bands[0].score == 3.0
    assert all(band.score is None for band in bands[1:])


def test_scores_for_an_arc_the_framework_does_not_have_are_refused() -> None:
    with pytest.raises(ValueError, match=r"scores.*turquoise"):
        bands_for(FRAMEWORK, {"turquoise": 3.0})


# --- geometry -----------------------------------------------------------------------------------------------


def test_a_score_of_3_fills_half_the_band_from_the_fragmented_end() -> None:
    fill = wedge(draw(plain_chart(red=3.0)), "red-fill")
    assert (fill.theta1, fill.theta2) == (90.0, 180.0)


def test_scores_map_onto_the_half_circle_from_left_to_right() -> None:
    assert [score_angle(score) for score in (1, 2, 3, 4, 5)] == [180.0, 135.0, 90.0, 45.0, 0.0]


def test_the_first_arc_is_the_outermost_band() -> None:
    figure = draw(plain_chart())
    radii = [wedge(figure, f"{key}-band").r for key in KEYS]
    assert radii == sorted(radii, reverse=True)


def test_the_baseline_is_a_dark_strip_along_the_inner_edge_up_to_the_baseline() -> None:
    figure = draw(full_chart())
    band, strip = wedge(figure, "red-band"), wedge(figure, "red-baseline")
    assert band.width is not None and strip.width is not None
    assert strip.r - strip.width == pytest.approx(band.r - band.width)
    assert strip.width < band.width / 2
    assert (strip.theta1, strip.theta2) == (pytest.approx(score_angle(2.9)), 180.0)
    assert sum(strip.get_facecolor()[:3]) / 3 < 0.2


def test_a_band_without_a_baseline_figure_has_no_strip() -> None:
    assert found(draw(full_chart()), "blue-baseline") == []


def test_the_target_is_a_tick_across_the_band_at_the_target() -> None:
    figure = draw(full_chart())
    band, tick = wedge(figure, "green-band"), by_gid(figure, "green-target")
    assert isinstance(tick, Line2D) and band.width is not None
    cx, cy = band.center
    (x0, x1), (y0, y1) = tick.get_xdata(), tick.get_ydata()
    assert math.degrees(math.atan2(y1 - cy, x1 - cx)) == pytest.approx(score_angle(4.5))
    assert math.hypot(x0 - cx, y0 - cy) < band.r - band.width
    assert math.hypot(x1 - cx, y1 - cy) > band.r


def test_a_suppressed_band_is_hatched_and_has_no_fill() -> None:
    figure = draw(full_chart())
    assert wedge(figure, "yellow-band").get_hatch() == "///"
    assert found(figure, "yellow-fill") == []
    assert wedge(figure, "red-band").get_hatch() is None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(1, 5)), min_size=len(KEYS), max_size=len(KEYS)))
def test_any_scores_draw_with_fills_in_proportion(scores: list[float | None]) -> None:
    figure = draw(RainbowChart("Any", bands_for(FRAMEWORK, dict(zip(KEYS, scores, strict=True)))))
    for key, score in zip(KEYS, scores, strict=True):
        fills = found(figure, f"{key}-fill")
        if score is None:
            assert fills == []
            continue
        [fill] = fills
        assert isinstance(fill, Wedge)
        assert fill.theta2 - fill.theta1 == pytest.approx((score - 1) / 4 * 180)


# --- what is printed ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("band", "with_baseline", "expected"),
    [
        (Band("o", "Common values", "#EF6C00", 3.4), False, "3.40"),
        (Band("o", "Common values", "#EF6C00", 3.4, baseline=2.9), True, "3.40 (baseline 2.90, +0.50)"),
        (Band("o", "Common values", "#EF6C00", 2.9, baseline=3.4), True, "2.90 (baseline 3.40, \u22120.50)"),
        (Band("o", "Common values", "#EF6C00", 3.4, target=4.0), False, "3.40 \u00b7 target 4.00"),
        (Band("o", "Common values", "#EF6C00", None), False, "too few answers"),
        (Band("o", "Common values", "#EF6C00", 3.4), True, "3.40 (baseline: too few answers)"),
        (Band("o", "Common values", "#EF6C00", 3.455, baseline=2.944), True, "3.46 (baseline 2.94, +0.52)"),
        (Band("o", "Common values", "#EF6C00", 2.84, baseline=2.78), True, "2.84 (baseline 2.78, +0.06)"),
        (
            Band("o", "Common values", "#EF6C00", 2.801, baseline=2.799),
            True,
            "2.80 (baseline 2.80, no change)",
        ),
    ],
)
def test_value_text(band: Band, with_baseline: bool, expected: str) -> None:
    assert value_text(band, with_baseline=with_baseline) == expected


def test_names_and_values_are_printed_beside_the_bands() -> None:
    shown = {text.get_text() for text in texts(draw(full_chart()))}
    assert {arc.short_title for arc in FRAMEWORK.arcs} <= shown
    assert "3.40 (baseline 2.90, +0.50) \u00b7 target 4.00" in shown
    assert "3.00 (baseline: too few answers)" in shown
    assert any(text.startswith("too few answers") for text in shown)


def test_a_compact_chart_still_prints_every_value() -> None:
    shown = {text.get_text() for text in texts(draw(plain_chart(), compact=True))}
    assert {"3.40", "2.60", "too few answers", "4.10", "3.00", "1.00", "2.25", "4.75"} <= shown


def test_the_title_scale_and_ends_are_printed() -> None:
    shown = {text.get_text() for text in texts(draw(full_chart()))}
    assert {"Anytown Children's Trust: 2010 re-assessment", "1", "2", "3", "4", "5"} <= shown
    assert {"fragmented", "integrated"} <= shown


def test_the_legend_names_current_baseline_and_target() -> None:
    shown = {text.get_text() for text in texts(draw(full_chart()))}
    assert {"Solid: 2010 re-assessment", "Thin dark line: 2009 baseline", "Tick: target"} <= shown


def test_the_legend_leaves_out_a_baseline_and_targets_the_chart_does_not_have() -> None:
    shown = " ".join(text.get_text() for text in texts(draw(plain_chart())))
    assert "Solid: 2010" in shown
    assert "Thin dark line" not in shown and "Tick" not in shown


def test_text_is_at_least_9_points_at_the_default_size() -> None:
    assert min(text.get_fontsize() for text in texts(draw(full_chart()))) >= 9


def test_dollar_signs_in_names_are_shown_as_written() -> None:
    chart = RainbowChart("Costs $5 to $10", (Band("a", "Budget $x$", "#2E7D32", 3.0),))
    figure = draw(chart)
    assert all(not text.get_parse_math() for text in texts(figure))
    render(chart, "png")  # no mathtext error either when text is drawn as outlines


# --- nothing overlaps ---------------------------------------------------------------------------------------


def text_boxes(figure: Figure) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Each text's box in inches."""
    renderer = FigureCanvasAgg(figure).get_renderer()
    to_inches = figure.dpi_scale_trans.inverted()
    boxes = []
    for text in texts(figure):
        box = text.get_window_extent(renderer).transformed(to_inches)
        boxes.append((text.get_text(), (box.x0, box.y0, box.x1, box.y1)))
    return boxes


LAYOUTS = [
    pytest.param(full_chart(), False, id="full"),
    pytest.param(full_chart(), True, id="full-compact"),
    pytest.param(plain_chart(), True, id="plain-compact"),
    pytest.param(twelve_band_chart(), False, id="twelve"),
    pytest.param(twelve_band_chart(), True, id="twelve-compact"),
]


@pytest.mark.parametrize(("chart", "compact"), LAYOUTS)
def test_no_two_texts_overlap(chart: RainbowChart, compact: bool) -> None:
    boxes = text_boxes(draw(chart, compact=compact))
    for (first, a), (second, b) in itertools.combinations(boxes, 2):
        apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
        assert apart, f"{first!r} overlaps {second!r}"


@pytest.mark.parametrize(("chart", "compact"), LAYOUTS)
def test_no_text_overlaps_the_rainbow(chart: RainbowChart, compact: bool) -> None:
    figure = draw(chart, compact=compact)
    outer = wedge(figure, f"{chart.bands[0].key}-band")
    (cx, cy), radius = outer.center, outer.r
    for text, (x0, y0, x1, y1) in text_boxes(figure):
        if y1 <= cy:
            continue  # below the diameter
        nearest_x, nearest_y = min(max(cx, x0), x1), max(y0, cy)  # the box's point nearest the centre
        assert math.hypot(nearest_x - cx, nearest_y - cy) > radius, f"{text!r} overlaps the rainbow"


def crossings(polylines: Sequence[Sequence[tuple[float, float]]]) -> list[tuple[int, int]]:
    def cross(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    def intersect(a: Sequence[tuple[float, float]], b: Sequence[tuple[float, float]]) -> bool:
        (p1, p2), (p3, p4) = a, b
        d1, d2 = cross(p3, p4, p1), cross(p3, p4, p2)
        d3, d4 = cross(p1, p2, p3), cross(p1, p2, p4)
        return d1 * d2 < 0 and d3 * d4 < 0

    found_pairs = []
    for (i, a), (j, b) in itertools.combinations(enumerate(polylines), 2):
        if any(intersect(s, t) for s in itertools.pairwise(a) for t in itertools.pairwise(b)):
            found_pairs.append((i, j))
    return found_pairs


@pytest.mark.parametrize(("chart", "compact"), LAYOUTS)
def test_leader_lines_do_not_cross(chart: RainbowChart, compact: bool) -> None:
    leaders = by_gid(draw(chart, compact=compact), "leaders")
    assert isinstance(leaders, LineCollection)
    polylines = [[tuple(point) for point in segment] for segment in leaders.get_segments()]
    assert len(polylines) == 2 * len(chart.bands)
    assert crossings(polylines) == []


def test_the_crossing_check_finds_a_crossing() -> None:
    assert crossings([[(0, 0), (2, 2)], [(0, 2), (2, 0)]]) == [(0, 1)]


# --- describe -----------------------------------------------------------------------------------------------


def test_describe_starts_with_the_title() -> None:
    assert describe(full_chart()).startswith("Anytown Children's Trust: 2010 re-assessment. ")


def test_describe_gives_each_arc_its_value_baseline_change_and_target() -> None:
    text = describe(full_chart())
    assert "Keeping children safe: 3.40 out of 5 (baseline 2.90, up 0.50; target 4.00)." in text
    assert "Common values and language: 2.60 out of 5 (baseline 2.80, down 0.20; target 3.50)." in text
    assert "Trained workforce: 3.00 out of 5 (baseline: too few answers)." in text
    assert "Recruitment and retention: 2.25 out of 5 (baseline 2.00, up 0.25)." in text


def test_describe_says_too_few_answers_for_a_suppressed_arc() -> None:
    assert "Positive outcomes: too few answers to show." in describe(plain_chart())


def test_describe_mentions_every_band_label_and_value() -> None:
    printed = ["3.40", "2.60", None, "4.10", "3.00", "1.00", "2.25", "4.75"]
    text = describe(plain_chart())
    for arc, value in zip(FRAMEWORK.arcs, printed, strict=True):
        assert f"{arc.short_title}: {value or 'too few answers to show'}" in text


def test_describe_names_the_rounds_compared() -> None:
    assert "2010 re-assessment is compared with 2009 baseline." in describe(full_chart())


# --- rendering and the digest -------------------------------------------------------------------------------


def test_png_is_a_png_of_the_default_size() -> None:
    data = render(full_chart(), "png")
    assert data.startswith(PNG_SIGNATURE)
    assert png_size(data) == (1000, 650)


def test_compact_png_is_a_small_multiple() -> None:
    assert png_size(render(plain_chart(), "png", compact=True)) == (600, 360)


def test_a_small_multiple_prints_every_arcs_short_name_whole() -> None:
    chart = full_chart()
    shown = {text.get_text() for text in texts(draw(chart, compact=True))}
    assert {arc.short_title for arc in FRAMEWORK.arcs} <= shown
    assert not [text for text in shown if "\u2026" in text]


def test_dpi_scales_the_png() -> None:
    assert png_size(render(plain_chart(), "png", dpi=200)) == (2000, 1300)


def test_svg_parses_as_xml() -> None:
    root = ET.fromstring(render(full_chart(), "svg"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_equal_charts_render_to_equal_bytes(fmt: Format) -> None:
    assert render(full_chart(), fmt) == render(full_chart(), fmt)


def test_a_baseline_changes_the_image() -> None:
    with_baseline = full_chart()
    without = RainbowChart(
        with_baseline.title,
        bands_for(FRAMEWORK, SCORES, targets=TARGETS),
        current_label=with_baseline.current_label,
    )
    assert render(with_baseline, "png") != render(without, "png")


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        render(full_chart(), "gif")  # type: ignore[arg-type]


def test_the_digest_is_stable_for_equal_charts() -> None:
    assert chart_digest(full_chart(), "png") == chart_digest(full_chart(), "png")
    assert chart_digest(plain_chart(red=3), "png") == chart_digest(plain_chart(red=3.0), "png")


def test_the_digest_changes_when_a_score_changes() -> None:
    assert chart_digest(plain_chart(red=3.0), "png") != chart_digest(plain_chart(red=3.1), "png")


@pytest.mark.parametrize(
    ("fmt", "compact", "dpi"), [("svg", False, 100), ("png", True, 100), ("png", False, 200)]
)
def test_the_digest_changes_with_how_the_chart_is_rendered(fmt: str, compact: bool, dpi: int) -> None:
    assert chart_digest(full_chart(), "png") != chart_digest(full_chart(), fmt, compact=compact, dpi=dpi)


def test_the_digest_changes_with_the_drawing_version(monkeypatch: pytest.MonkeyPatch) -> None:
    before = chart_digest(full_chart(), "png")
    monkeypatch.setattr("framework.charts.rainbow_chart.DRAWING_VERSION", DRAWING_VERSION + "x")
    assert chart_digest(full_chart(), "png") != before


def test_the_digest_is_hex_sha256() -> None:
    digest = chart_digest(full_chart(), "png")
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")


def test_renders_in_parallel_threads_agree() -> None:
    expected = render(full_chart(), "png")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: render(full_chart(), "png"), range(8)))
    assert all(result == expected for result in results)


def test_rendering_leaves_global_settings_alone() -> None:
    before = dict(matplotlib.rcParams)
    render(full_chart(), "svg")
    render(full_chart(), "png", compact=True)
    assert dict(matplotlib.rcParams) == before
