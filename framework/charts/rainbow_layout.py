"""Where everything in a rainbow chart goes: its size, text measured in inches, rows, title and legend.

The layout is computed before anything is drawn, with every text measured in the font it will be drawn in,
so that names, values and leader lines never overlap each other or the bands. When they do not fit at first,
tighter styles are tried in turn (`fit`). `framework.charts.rainbow_drawing` then puts the artists where this
says. Text is measured with matplotlib's own font machinery, so this module imports matplotlib too.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

from framework.charts.rainbow_chart import RainbowChart, value_text


@dataclass(frozen=True)
class Style:
    """Sizes for one kind of chart (the board's full size or a small multiple), in inches unless named pt."""

    size: tuple[float, float]  # inches
    margin: float
    title_pt: float
    text_pt: float  # arc names and values
    small_pt: float  # scale, end words and legend
    row_factor: float  # row pitch of the names and values, in text heights
    row_stretch: float  # how far the row pitch may grow when there is height to spare
    gutter: float  # between the rainbow's edge and the names or values
    tick: float  # length of the scale's tick marks
    tick_width: float  # line width of a target tick, points
    name_width: float | None  # names longer than this (inches) are shortened
    short_values: bool  # the change without the baseline's value, "3.4 (+0.5)"
    min_radius: float  # a smaller rainbow than this (inches) is too cramped: try the next, tighter style
    compact: bool


FULL = Style(
    size=(10.0, 6.5),
    margin=0.15,
    title_pt=14,
    text_pt=10,
    small_pt=9,
    row_factor=1.6,
    row_stretch=1.25,
    gutter=0.22,
    tick=0.06,
    tick_width=3.2,
    name_width=None,
    short_values=False,
    min_radius=1.6,
    compact=False,
)
COMPACT = Style(
    size=(6.0, 3.6),
    margin=0.08,
    title_pt=10,
    text_pt=8,
    small_pt=7.5,
    row_factor=1.5,
    row_stretch=1.1,
    gutter=0.12,
    tick=0.04,
    tick_width=2.2,
    name_width=None,
    short_values=True,
    min_radius=0.75,
    compact=True,
)
# When the names, values or bands do not fit at first, these are tried in turn; the last is used regardless.
# Arc names are the framework's short names (at most 28 characters) and are never cut: smaller type and
# tighter rows make the room instead.
_FALLBACKS = {
    False: (
        FULL,
        replace(FULL, text_pt=9, row_factor=1.5),
        replace(FULL, text_pt=9, row_factor=1.4, short_values=True),
    ),
    True: (
        COMPACT,
        replace(COMPACT, row_factor=1.3),
        replace(COMPACT, text_pt=7, small_pt=7, title_pt=9, row_factor=1.25),
        replace(COMPACT, text_pt=6.5, small_pt=6.5, title_pt=8, row_factor=1.2, margin=0.05),
    ),
}


def font(size: float, bold: bool, italic: bool) -> FontProperties:
    """The font every text of the chart is measured and drawn in: matplotlib's own sans, at `size` points."""
    return FontProperties(
        size=size, weight="bold" if bold else "normal", style="italic" if italic else "normal"
    )


@functools.lru_cache(maxsize=4096)
def advance(text: str, size: float, bold: bool = False, italic: bool = False) -> float:
    """How far a line of text runs, in inches, in the font it is drawn in (cached: names recur)."""
    width, _height, _descent = text_to_path.get_text_width_height_descent(
        text, font(size, bold, italic), ismath=False
    )
    return width / 72


def text_width(text: str, size: float, *, bold: bool = False, italic: bool = False) -> float:
    """Room to leave for a line of text: its advance plus a little, as hinting can widen it on screen."""
    return advance(text, size, bold, italic) * 1.03


def line_height(size: float) -> float:
    """The distance between two lines of text of `size` points, in inches."""
    return size / 72 * 1.2


def cap_height(size: float) -> float:
    """The height of a capital or a digit: a line centred on y has its baseline half this below y."""
    return size / 72 * 0.73  # DejaVu Sans, matplotlib's own font; near enough for most sans fonts


def _shorten(text: str, size: float, limit: float | None, *, bold: bool = False) -> str:
    """The text, or its longest start that fits `limit` inches with an ellipsis (found by halving)."""
    if limit is None or text_width(text, size, bold=bold) <= limit:
        return text
    fits, too_long = 1, len(text)
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if text_width(text[:middle].rstrip() + "\u2026", size, bold=bold) <= limit:
            fits = middle
        else:
            too_long = middle
    start = text[:fits]
    word_end = start.rstrip().rfind(" ")
    if not (start[-1].isspace() or text[fits].isspace()) and word_end >= len(start) / 2:
        start = start[:word_end]  # end on a whole word, unless that loses most of what fits
    return start.rstrip() + "\u2026"


@dataclass(frozen=True)
class LegendEntry:
    """One entry of the legend: a sample of what it names (`kind`), then its text."""

    kind: Literal["solid", "baseline", "tick", "hatch"]
    text: str


def _legend_entries(chart: RainbowChart, style: Style, limit: float) -> list[LegendEntry]:
    entries = [LegendEntry("solid", f"Solid: {chart.current_label}")]
    if chart.baseline_label is not None:
        entries.append(LegendEntry("baseline", f"Thin dark line: {chart.baseline_label}"))
    if chart.has_targets:
        entries.append(LegendEntry("tick", "Tick: target"))
    if chart.has_suppressed:
        entries.append(LegendEntry("hatch", "Hatched: too few answers"))
    room = limit - legend_width(LegendEntry("solid", ""), style)  # a round's name may be long
    return [replace(entry, text=_shorten(entry.text, style.small_pt, room)) for entry in entries]


@dataclass(frozen=True)
class Layout:
    """Where a chart's parts go, in inches from the figure's bottom left: the rainbow's centre and radius,
    each band's row, and the texts already shortened to fit."""

    style: Style
    cx: float
    cy: float
    radius: float
    rows: tuple[float, ...]  # y of each band's name and value row, outermost first
    names: tuple[str, ...]
    values: tuple[str, ...]
    title_lines: tuple[str, ...]
    legend_rows: tuple[tuple[LegendEntry, ...], ...]
    legend_top: float


def swatch_width(style: Style) -> float:
    """The width of a legend entry's sample."""
    return 0.2 if style.compact else 0.28


def _layout(chart: RainbowChart, style: Style) -> Layout:
    width, height = style.size
    text_h = line_height(style.text_pt)
    small_h = line_height(style.small_pt)
    row = text_h * style.row_factor / 1.2
    names = tuple(_shorten(band.label, style.text_pt, style.name_width) for band in chart.bands)
    values = tuple(
        value_text(band, with_baseline=chart.baseline_label is not None, compact=style.short_values)
        for band in chart.bands
    )
    title_lines = _title_lines(chart.title, style.title_pt, width - 2 * style.margin)
    legend_rows = _legend_rows(
        _legend_entries(chart, style, width - 2 * style.margin), style, width - 2 * style.margin
    )

    # Beside the rainbow: names (left) or values (right) below the diameter, the scale's ends above them.
    scale_room = style.tick + 0.04 + text_width("5", style.small_pt)
    end_words = max(text_width(word, style.small_pt, italic=True) for word in ("fragmented", "integrated"))
    left = max(
        style.gutter + max(text_width(name, style.text_pt) for name in names), scale_room + 0.06 + end_words
    )
    right = max(
        style.gutter + max(text_width(value, style.text_pt) for value in values),
        scale_room + 0.06 + end_words,
    )
    by_width = (width - 2 * style.margin - left - right) / 2

    title_h = len(title_lines) * line_height(style.title_pt)
    top = style.margin + title_h + 0.5 * text_h + style.tick + 0.055 + small_h  # title, then the "3" on top
    rows_in_pitches = len(chart.bands) - 1 + 1.35 + 0.5  # the first row sits clear of the scale's end words
    legend_h = len(legend_rows) * small_h * 1.45
    fixed = top + 0.4 * text_h + legend_h + style.margin
    by_height = height - fixed - rows_in_pitches * row
    # Past the last fallback style only absurdly long text is left; it may then overlap, but still draws.
    radius = max(min(by_width, by_height), 0.5)
    # Spend up to half of any spare height on airier rows, and share the rest round the rainbow and legend.
    slack = max(by_height - radius, 0.0)
    pitch = min(row * style.row_stretch, row + slack / 2 / rows_in_pitches)
    slack -= (pitch - row) * rows_in_pitches

    cx = (width - left - right - 2 * radius) / 2 + left + radius
    cy = height - top - slack * 0.3 - radius
    rows = tuple(cy - pitch * (1.35 + index) for index in range(len(chart.bands)))
    legend_top = rows[-1] - pitch / 2 - 0.4 * text_h - slack * 0.4
    return Layout(style, cx, cy, radius, rows, names, values, title_lines, legend_rows, legend_top)


def fit(chart: RainbowChart, *, compact: bool) -> Layout:
    """The layout of the first style in which the rainbow keeps a readable size (else of the last style)."""
    *tries, last = _FALLBACKS[compact]
    for style in tries:
        layout = _layout(chart, style)
        if layout.radius >= style.min_radius:
            return layout
    return _layout(chart, last)


def _title_lines(title: str, size: float, limit: float) -> tuple[str, ...]:
    """The title on one line, or on two when it is too long; a title too long for two is shortened."""
    if text_width(title, size, bold=True) <= limit:
        return (title,)
    words = title.split()
    first: list[str] = []
    while words and text_width(" ".join([*first, words[0]]), size, bold=True) <= limit:
        first.append(words.pop(0))
    if not first:
        return (_shorten(title, size, limit, bold=True),)
    if not words:
        return (" ".join(first),)
    return (" ".join(first), _shorten(" ".join(words), size, limit, bold=True))


def _legend_rows(
    entries: Sequence[LegendEntry], style: Style, limit: float
) -> tuple[tuple[LegendEntry, ...], ...]:
    rows: list[list[LegendEntry]] = [[]]
    used = 0.0
    for entry in entries:
        needed = legend_width(entry, style)
        if rows[-1] and used + needed > limit:
            rows.append([])
            used = 0.0
        rows[-1].append(entry)
        used += needed
    return tuple(tuple(row) for row in rows)


def legend_spacing(style: Style) -> float:
    """The space after each legend entry, before the next."""
    return 0.16 if style.compact else 0.3


def legend_width(entry: LegendEntry, style: Style) -> float:
    """The width a legend entry takes: sample, text and the space after it."""
    return swatch_width(style) + 0.06 + text_width(entry.text, style.small_pt) + legend_spacing(style)
