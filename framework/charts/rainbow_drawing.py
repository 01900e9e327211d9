"""The matplotlib half of the rainbow: layout, measured in inches, and drawing (see `.rainbow`).

Imported by `framework.charts.rainbow.render` and `draw` on first use, not with the chart model: matplotlib
takes half a second to import, and a server's start-up should not wait for it.
"""

from __future__ import annotations

import functools
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Rectangle, Wedge
from matplotlib.path import Path
from matplotlib.patheffects import withStroke
from matplotlib.textpath import text_to_path
from matplotlib.transforms import Affine2D

from framework.charts.geometry import rainbow_bands
from framework.charts.rainbow import Band, Format, RainbowChart, score_angle, value_text

_INK = "#222222"  # text, baseline strips and target ticks: near black, so they read in greyscale
_MUTED = "#444444"  # secondary text; still well above 7:1 contrast on white
_TINT = 0.25  # share of the arc's colour in the pale, unfilled part of a band
# The walkthrough's proportions (see framework.charts.geometry), so every rainbow puts each arc in the same
# place.
_HOLE_RATIO, _GAP_RATIO = 86 / 310, 3 / 310
_SVG_ID = re.compile(rb'id="([hpm][0-9a-f]{10})"')


def render(chart: RainbowChart, fmt: Format, *, compact: bool, dpi: int) -> bytes:
    """See `framework.charts.rainbow.render`, which checks the arguments."""
    figure = _draw(chart, compact=compact, text_as_paths=fmt == "png")
    buffer = io.BytesIO()
    # No date or software version in the file, so equal charts give equal bytes (and so stable ETags).
    metadata: dict[str, str | None] = {"Software": None} if fmt == "png" else {"Date": None}
    extra = {"pil_kwargs": {"compress_level": 3}} if fmt == "png" else {}  # level 6 takes longer, saves ~1%
    figure.savefig(
        buffer, format=fmt, dpi=dpi, metadata=metadata, bbox_inches=None, facecolor="white", **extra
    )
    data = buffer.getvalue()
    return _stable_svg_ids(data) if fmt == "svg" else data


def _stable_svg_ids(svg: bytes) -> bytes:
    """Renumber the ids matplotlib salts at random (hatches, clip paths, markers) in order of appearance.

    Matplotlib makes them reproducible only through the global ``svg.hashsalt`` setting, which a threaded
    server must not touch.
    """
    for number, old in enumerate(dict.fromkeys(_SVG_ID.findall(svg))):
        svg = svg.replace(old, old[:1] + f"{number:010d}".encode())
    return svg


# --- layout -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
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


_FULL = _Style(
    size=(10.0, 6.5),
    margin=0.15,
    title_pt=14,
    text_pt=10,
    small_pt=9,
    row_factor=1.6,
    row_stretch=1.25,
    gutter=0.22,
    tick=0.06,
    tick_width=2.4,
    name_width=None,
    short_values=False,
    min_radius=1.6,
    compact=False,
)
_COMPACT = _Style(
    size=(4.8, 3.4),
    margin=0.08,
    title_pt=10,
    text_pt=8,
    small_pt=7.5,
    row_factor=1.5,
    row_stretch=1.1,
    gutter=0.12,
    tick=0.04,
    tick_width=1.8,
    name_width=1.15,
    short_values=True,
    min_radius=0.75,
    compact=True,
)
# When the names, values or bands do not fit at first, these are tried in turn; the last is used regardless.
_FALLBACKS = {
    False: (
        _FULL,
        replace(_FULL, text_pt=9, row_factor=1.5),
        replace(_FULL, text_pt=9, row_factor=1.4, name_width=2.0, short_values=True),
    ),
    True: (
        _COMPACT,
        replace(_COMPACT, row_factor=1.3, name_width=1.0),
        replace(_COMPACT, text_pt=7, small_pt=7, title_pt=9, row_factor=1.25, name_width=0.9),
        replace(_COMPACT, text_pt=6, small_pt=6, title_pt=8, row_factor=1.2, name_width=0.8, margin=0.05),
    ),
}


def _font(size: float, bold: bool, italic: bool) -> FontProperties:
    return FontProperties(
        size=size, weight="bold" if bold else "normal", style="italic" if italic else "normal"
    )


@functools.lru_cache(maxsize=4096)
def _advance(text: str, size: float, bold: bool = False, italic: bool = False) -> float:
    """How far a line of text runs, in inches, in the font it is drawn in (cached: names recur)."""
    width, _height, _descent = text_to_path.get_text_width_height_descent(
        text, _font(size, bold, italic), ismath=False
    )
    return width / 72


def _width(text: str, size: float, *, bold: bool = False, italic: bool = False) -> float:
    """Room to leave for a line of text: its advance plus a little, as hinting can widen it on screen."""
    return _advance(text, size, bold, italic) * 1.03


def _height(size: float) -> float:
    return size / 72 * 1.2


def _cap(size: float) -> float:
    """The height of a capital or a digit: a line centred on y has its baseline half this below y."""
    return size / 72 * 0.73  # DejaVu Sans, matplotlib's own font; near enough for most sans fonts


def _shorten(text: str, size: float, limit: float | None, *, bold: bool = False) -> str:
    """The text, or its longest start that fits `limit` inches with an ellipsis (found by halving)."""
    if limit is None or _width(text, size, bold=bold) <= limit:
        return text
    fits, too_long = 1, len(text)
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if _width(text[:middle].rstrip() + "\u2026", size, bold=bold) <= limit:
            fits = middle
        else:
            too_long = middle
    start = text[:fits]
    word_end = start.rstrip().rfind(" ")
    if not (start[-1].isspace() or text[fits].isspace()) and word_end >= len(start) / 2:
        start = start[:word_end]  # end on a whole word, unless that loses most of what fits
    return start.rstrip() + "\u2026"


@dataclass(frozen=True)
class _Legend:
    kind: Literal["solid", "baseline", "tick", "hatch"]
    text: str


def _legend_entries(chart: RainbowChart, style: _Style, limit: float) -> list[_Legend]:
    entries = [_Legend("solid", f"Solid: {chart.current_label}")]
    if chart.baseline_label is not None:
        entries.append(_Legend("baseline", f"Thin dark line: {chart.baseline_label}"))
    if chart.has_targets:
        entries.append(_Legend("tick", "Tick: target"))
    if chart.has_suppressed:
        entries.append(_Legend("hatch", "Hatched: too few answers"))
    room = limit - _legend_width(_Legend("solid", ""), style)  # a round's name may be long
    return [replace(entry, text=_shorten(entry.text, style.small_pt, room)) for entry in entries]


@dataclass(frozen=True)
class _Layout:
    style: _Style
    cx: float
    cy: float
    radius: float
    rows: tuple[float, ...]  # y of each band's name and value row, outermost first
    names: tuple[str, ...]
    values: tuple[str, ...]
    title_lines: tuple[str, ...]
    legend_rows: tuple[tuple[_Legend, ...], ...]
    legend_top: float


def _swatch(style: _Style) -> float:
    """The width of a legend entry's sample."""
    return 0.2 if style.compact else 0.28


def _layout(chart: RainbowChart, style: _Style) -> _Layout:
    width, height = style.size
    text_h = _height(style.text_pt)
    small_h = _height(style.small_pt)
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
    scale_room = style.tick + 0.04 + _width("5", style.small_pt)
    end_words = max(_width(word, style.small_pt, italic=True) for word in ("fragmented", "integrated"))
    left = max(
        style.gutter + max(_width(name, style.text_pt) for name in names), scale_room + 0.06 + end_words
    )
    right = max(
        style.gutter + max(_width(value, style.text_pt) for value in values), scale_room + 0.06 + end_words
    )
    by_width = (width - 2 * style.margin - left - right) / 2

    title_h = len(title_lines) * _height(style.title_pt)
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
    return _Layout(style, cx, cy, radius, rows, names, values, title_lines, legend_rows, legend_top)


def _fit(chart: RainbowChart, compact: bool) -> _Layout:
    """The layout of the first style in which the rainbow keeps a readable size."""
    for style in _FALLBACKS[compact]:
        layout = _layout(chart, style)
        if layout.radius >= style.min_radius:
            break
    return layout


def _title_lines(title: str, size: float, limit: float) -> tuple[str, ...]:
    """The title on one line, or on two when it is too long; a title too long for two is shortened."""
    if _width(title, size, bold=True) <= limit:
        return (title,)
    words = title.split()
    first: list[str] = []
    while words and _width(" ".join([*first, words[0]]), size, bold=True) <= limit:
        first.append(words.pop(0))
    if not first:
        return (_shorten(title, size, limit, bold=True),)
    if not words:
        return (" ".join(first),)
    return (" ".join(first), _shorten(" ".join(words), size, limit, bold=True))


def _legend_rows(entries: Sequence[_Legend], style: _Style, limit: float) -> tuple[tuple[_Legend, ...], ...]:
    rows: list[list[_Legend]] = [[]]
    used = 0.0
    for entry in entries:
        needed = _legend_width(entry, style)
        if rows[-1] and used + needed > limit:
            rows.append([])
            used = 0.0
        rows[-1].append(entry)
        used += needed
    return tuple(tuple(row) for row in rows)


def _legend_spacing(style: _Style) -> float:
    return 0.16 if style.compact else 0.3


def _legend_width(entry: _Legend, style: _Style) -> float:
    return _swatch(style) + 0.06 + _width(entry.text, style.small_pt) + _legend_spacing(style)


# --- drawing ------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _outline(text: str, size: float, bold: bool, italic: bool) -> Path:
    """A line of text as a filled outline in inches, its baseline's start at the origin (cached).

    Never mathtext (TextPath would read "$...$" as maths): names come from editable framework files.
    """
    vertices, codes = text_to_path.get_text_path(_font(size, bold, italic), text, ismath=False)
    scale = size / text_to_path.FONT_SCALE / 72  # outlines come at FONT_SCALE points; we want inches
    return Path(np.asarray(vertices, dtype=float).reshape(-1, 2) * scale, codes, readonly=True)


class _Canvas:
    """Puts artists straight on the figure, positioned in inches: no Axes to build, scale or clip.

    Text is placed by its baseline. With `text_as_paths`, text becomes glyph outlines, merged into one
    filled path per colour: for a PNG this draws several times faster than Agg's glyph-by-glyph text, and
    looks the same. A figure for a vector format or for a caller keeps real text.
    """

    def __init__(self, figure: Figure, *, text_as_paths: bool) -> None:
        self.figure = figure
        self.inches = figure.dpi_scale_trans
        self.text_as_paths = text_as_paths
        self.outlines: dict[str, list[Path]] = {}

    def add(self, artist: Artist) -> None:
        artist.set_transform(self.inches)
        self.figure.add_artist(artist)

    def text(
        self,
        x: float,
        baseline: float,
        text: str,
        size: float,
        *,
        ha: Literal["left", "center", "right"] = "left",
        colour: str = _INK,
        bold: bool = False,
        italic: bool = False,
    ) -> None:
        if not text.strip():
            return
        if not self.text_as_paths:
            self.figure.text(
                x,
                baseline,
                text,
                transform=self.inches,
                fontproperties=_font(size, bold, italic),
                color=colour,
                ha=ha,
                va="baseline",
                parse_math=False,  # names and titles come from editable files and may contain "$"
            )
            return
        shift = {"left": 0.0, "center": 0.5, "right": 1.0}[ha] * _advance(text, size, bold, italic)
        placed = Affine2D().translate(x - shift, baseline).transform_path(_outline(text, size, bold, italic))
        self.outlines.setdefault(colour, []).append(placed)

    def finish(self) -> Figure:
        for colour, outlines in self.outlines.items():
            text = PathPatch(Path.make_compound_path(*outlines), facecolor=colour, linewidth=0, zorder=3)
            text.set_gid("text")
            self.add(text)
        return self.figure


def draw(chart: RainbowChart, *, compact: bool = False) -> Figure:
    """See `framework.charts.rainbow.draw`."""
    return _draw(chart, compact=compact, text_as_paths=False)


def _draw(chart: RainbowChart, *, compact: bool, text_as_paths: bool) -> Figure:
    layout = _fit(chart, compact)
    canvas = _Canvas(
        Figure(figsize=layout.style.size, layout=None, facecolor="white"), text_as_paths=text_as_paths
    )
    geometry = rainbow_bands(
        len(chart.bands),
        outer_radius=layout.radius,
        hole_radius=layout.radius * _HOLE_RATIO,
        gap=layout.radius * _GAP_RATIO,
        cx=layout.cx,
        cy=layout.cy,
    )
    show_baseline = chart.baseline_label is not None
    for band, ring in zip(chart.bands, geometry, strict=True):
        _draw_band(canvas, band, ring.inner, ring.outer, layout, show_baseline=show_baseline)
    _draw_names_and_values(canvas, chart, layout, [ring.middle for ring in geometry])
    _draw_scale(canvas, layout)
    _draw_title(canvas, layout)
    _draw_legend(canvas, layout)
    return canvas.finish()


def _mix(colour: str, other: float, share: float) -> tuple[float, float, float]:
    """`share` of `colour` mixed with a grey level `other` (1 white, 0 black)."""
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return (
        share * red + (1 - share) * other,
        share * green + (1 - share) * other,
        share * blue + (1 - share) * other,
    )


def _draw_band(
    canvas: _Canvas, band: Band, inner: float, outer: float, layout: _Layout, *, show_baseline: bool
) -> None:
    centre = (layout.cx, layout.cy)
    band_width = outer - inner
    whole = Wedge(centre, outer, 0, 180, width=band_width, facecolor=_mix(band.colour, 1.0, _TINT))
    whole.set(edgecolor=band.colour, linewidth=0.8, gid=f"{band.key}-band")
    if band.score is None:
        whole.set(hatch="///", hatchcolor=band.colour)
    canvas.add(whole)
    if band.score is not None:
        fill = Wedge(centre, outer, score_angle(band.score), 180, width=band_width, facecolor=band.colour)
        fill.set(edgecolor=band.colour, linewidth=0.8, gid=f"{band.key}-fill")
        canvas.add(fill)
    if show_baseline and band.baseline is not None:
        strip = max(band_width * 0.28, 0.03)
        line = Wedge(centre, inner + strip, score_angle(band.baseline), 180, width=strip, facecolor=_INK)
        # A white edge keeps the dark strip distinct on the darkest colours too.
        line.set(edgecolor="white", linewidth=0.6, gid=f"{band.key}-baseline")
        canvas.add(line)
    if band.target is not None:
        reach = max(band_width * 0.18, 0.03)
        angle = math.radians(score_angle(band.target))
        radii = (inner - reach, outer + reach)
        tick = Line2D(
            [layout.cx + r * math.cos(angle) for r in radii],
            [layout.cy + r * math.sin(angle) for r in radii],
            color=_INK,
            linewidth=layout.style.tick_width,
            solid_capstyle="butt",
            gid=f"{band.key}-target",
            path_effects=[withStroke(linewidth=layout.style.tick_width + 2, foreground="white")],
        )
        canvas.add(tick)


def _draw_names_and_values(
    canvas: _Canvas, chart: RainbowChart, layout: _Layout, middles: Sequence[float]
) -> None:
    """Names left and values right, one row each below the diameter, joined to the band ends by leaders.

    Outer bands have the shallower rows, so each leader (straight down, then away from the rainbow) passes
    outside every leader of a band further in, and none cross.
    """
    style = layout.style
    name_x = layout.cx - layout.radius - style.gutter
    value_x = layout.cx + layout.radius + style.gutter
    segments = []
    colours = []
    for band, middle, y, name, value in zip(
        chart.bands, middles, layout.rows, layout.names, layout.values, strict=True
    ):
        for side, end in ((-1, name_x + 0.04), (1, value_x - 0.04)):
            x = layout.cx + side * middle
            segments.append([(x, layout.cy), (x, y), (end, y)])
            colours.append(_mix(band.colour, 0.0, 0.7))
        baseline = y - _cap(style.text_pt) / 2
        canvas.text(name_x, baseline, name, style.text_pt, ha="right")
        suppressed = band.score is None
        colour = _MUTED if suppressed else _INK
        canvas.text(value_x, baseline, value, style.text_pt, colour=colour, italic=suppressed)
    canvas.add(LineCollection(segments, colors=colours, linewidths=0.9, joinstyle="miter", gid="leaders"))


def _draw_scale(canvas: _Canvas, layout: _Layout) -> None:
    """Tick marks and numbers 1 to 5 round the outside, and the words for the scale's two ends."""
    style = layout.style
    size = style.small_pt
    outer = layout.radius + 0.015
    segments = []
    for value in range(1, 6):
        angle = math.radians(score_angle(value))
        cos, sin = math.cos(angle), math.sin(angle)
        segments.append(
            [
                (layout.cx + outer * cos, layout.cy + outer * sin),
                (layout.cx + (outer + style.tick) * cos, layout.cy + (outer + style.tick) * sin),
            ]
        )
        at = outer + style.tick + 0.04
        x, y = layout.cx + at * cos, layout.cy + at * sin
        ha: Literal["left", "center", "right"] = (
            "center" if abs(cos) < 0.1 else ("left" if cos > 0 else "right")
        )
        baseline = y - _cap(size) / 2 if abs(sin) < 0.1 else y + 0.01
        canvas.text(x, baseline, str(value), size, ha=ha)
    canvas.add(LineCollection(segments, colors=_MUTED, linewidths=0.8, gid="scale"))
    end = outer + style.tick + 0.04 + _width("5", size) + 0.06
    baseline = layout.cy - _cap(size) / 2
    canvas.text(layout.cx - end, baseline, "fragmented", size, ha="right", colour=_MUTED, italic=True)
    canvas.text(layout.cx + end, baseline, "integrated", size, colour=_MUTED, italic=True)


def _draw_title(canvas: _Canvas, layout: _Layout) -> None:
    style = layout.style
    baseline = style.size[1] - style.margin - style.title_pt / 72 * 0.8
    for line in layout.title_lines:
        canvas.text(style.size[0] / 2, baseline, line, style.title_pt, ha="center", bold=True)
        baseline -= _height(style.title_pt)


def _draw_legend(canvas: _Canvas, layout: _Layout) -> None:
    """Rows of text entries, each after a small grey sample of what it names; centred under the chart."""
    style = layout.style
    row_h = _height(style.small_pt) * 1.45
    swatch = _swatch(style)
    for index, entries in enumerate(layout.legend_rows):
        y = layout.legend_top - (index + 0.5) * row_h
        widths = [_legend_width(entry, style) for entry in entries]
        x = (style.size[0] - sum(widths) + _legend_spacing(style)) / 2
        for entry, width in zip(entries, widths, strict=True):
            _draw_sample(canvas, entry.kind, x, y, swatch, _cap(style.small_pt) * 1.1)
            canvas.text(x + swatch + 0.06, y - _cap(style.small_pt) / 2, entry.text, style.small_pt)
            x += width


def _draw_sample(canvas: _Canvas, kind: str, x: float, y: float, width: float, height: float) -> None:
    grey = "#777777"
    bottom = y - height / 2
    box = Rectangle((x, bottom), width, height, facecolor=grey if kind == "solid" else _mix(grey, 1.0, _TINT))
    box.set(edgecolor=grey, linewidth=0.8, hatch="///" if kind == "hatch" else None)
    canvas.add(box)
    if kind == "baseline":
        strip = Rectangle((x, bottom), width, height * 0.3, facecolor=_INK, edgecolor="white", linewidth=0.6)
        canvas.add(strip)
    elif kind == "tick":
        canvas.add(
            Line2D([x + width / 2] * 2, [bottom - 0.03, bottom + height + 0.03], color=_INK, linewidth=2)
        )
