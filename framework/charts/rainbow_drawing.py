"""The rainbow drawn on a matplotlib Figure, where `framework.charts.rainbow_layout` says, and saved as bytes.

Artists sit straight on the figure, positioned in inches, with no Axes. Only the Figure API is used and no
global setting is changed, so drawing is safe in a threaded server. Imported on first use by
`framework.charts.rainbow`, which checks the arguments: matplotlib takes half a second to import.
"""

from __future__ import annotations

import functools
import io
import math
import re
from collections.abc import Sequence
from typing import Literal

import numpy as np
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Rectangle, Wedge
from matplotlib.path import Path
from matplotlib.patheffects import withStroke
from matplotlib.textpath import text_to_path
from matplotlib.transforms import Affine2D

from framework.charts.geometry import rainbow_rings
from framework.charts.rainbow_chart import Band, Format, RainbowChart, score_angle
from framework.charts.rainbow_layout import (
    Layout,
    advance,
    cap_height,
    fit,
    font,
    legend_spacing,
    legend_width,
    line_height,
    swatch_width,
    text_width,
)

_INK = "#222222"  # text, baseline strips and target ticks: near black, so they read in greyscale
_MUTED = "#444444"  # secondary text; still well above 7:1 contrast on white
_TINT = 0.25  # share of the arc's colour in the pale, unfilled part of a band
# The walkthrough's proportions (see framework.charts.geometry), so every rainbow puts each arc in the same
# place.
_HOLE_RATIO, _GAP_RATIO = 86 / 310, 3 / 310
_SVG_ID = re.compile(rb'id="([hpm][0-9a-f]{10})"')


def render_bytes(chart: RainbowChart, fmt: Format, *, compact: bool, dpi: int) -> bytes:
    """The chart as PNG or SVG bytes, equal for equal charts: see `framework.charts.rainbow.render`."""
    figure = draw_figure(chart, compact=compact, text_as_paths=fmt == "png")
    buffer = io.BytesIO()
    # No date or software version in the file, so equal charts give equal bytes (and so stable ETags). The
    # whole figure is saved (bbox_inches=None), whatever a matplotlibrc says: the layout has placed it all.
    if fmt == "png":
        figure.savefig(
            buffer,
            format="png",
            dpi=dpi,
            metadata={"Software": None},
            bbox_inches=None,
            facecolor="white",
            pil_kwargs={"compress_level": 3},  # level 6 takes longer and saves about 1%
        )
        return buffer.getvalue()
    figure.savefig(
        buffer, format="svg", dpi=dpi, metadata={"Date": None}, bbox_inches=None, facecolor="white"
    )
    return stable_svg_ids(buffer.getvalue())


def stable_svg_ids(svg: bytes) -> bytes:
    """Renumber the ids matplotlib salts at random (hatches, clip paths, markers) in order of appearance.

    Matplotlib makes them reproducible only through the global ``svg.hashsalt`` setting, which a threaded
    server must not touch.
    """
    for number, old in enumerate(dict.fromkeys(_SVG_ID.findall(svg))):
        svg = svg.replace(old, old[:1] + f"{number:010d}".encode())
    return svg


@functools.lru_cache(maxsize=4096)
def _outline(text: str, size: float, bold: bool, italic: bool) -> Path:
    """A line of text as a filled outline in inches, its baseline's start at the origin (cached).

    Never mathtext (TextPath would read "$...$" as maths): names come from editable framework files.
    """
    vertices, codes = text_to_path.get_text_path(font(size, bold, italic), text, ismath=False)
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
                fontproperties=font(size, bold, italic),
                color=colour,
                ha=ha,
                va="baseline",
                parse_math=False,  # names and titles come from editable files and may contain "$"
            )
            return
        shift = {"left": 0.0, "center": 0.5, "right": 1.0}[ha] * advance(text, size, bold, italic)
        placed = Affine2D().translate(x - shift, baseline).transform_path(_outline(text, size, bold, italic))
        self.outlines.setdefault(colour, []).append(placed)

    def finish(self) -> Figure:
        for colour, outlines in self.outlines.items():
            text = PathPatch(Path.make_compound_path(*outlines), facecolor=colour, linewidth=0, zorder=3)
            text.set_gid("text")
            self.add(text)
        return self.figure


def draw_figure(chart: RainbowChart, *, compact: bool, text_as_paths: bool = False) -> Figure:
    """The chart as a Figure (see `framework.charts.rainbow.draw`); `text_as_paths` draws text as outlines."""
    layout = fit(chart, compact=compact)
    canvas = _Canvas(
        Figure(figsize=layout.style.size, layout=None, facecolor="white"), text_as_paths=text_as_paths
    )
    rings = rainbow_rings(
        len(chart.bands),
        outer_radius=layout.radius,
        hole_radius=layout.radius * _HOLE_RATIO,
        gap=layout.radius * _GAP_RATIO,
        cx=layout.cx,
        cy=layout.cy,
    )
    show_baseline = chart.baseline_label is not None
    for band, ring in zip(chart.bands, rings, strict=True):
        _draw_band(canvas, band, ring.inner, ring.outer, layout, show_baseline=show_baseline)
    _draw_names_and_values(canvas, chart, layout, [ring.middle for ring in rings])
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
    canvas: _Canvas, band: Band, inner: float, outer: float, layout: Layout, *, show_baseline: bool
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
    canvas: _Canvas, chart: RainbowChart, layout: Layout, middles: Sequence[float]
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
        baseline = y - cap_height(style.text_pt) / 2
        canvas.text(name_x, baseline, name, style.text_pt, ha="right")
        suppressed = band.score is None
        colour = _MUTED if suppressed else _INK
        canvas.text(value_x, baseline, value, style.text_pt, colour=colour, italic=suppressed)
    canvas.add(LineCollection(segments, colors=colours, linewidths=0.9, joinstyle="miter", gid="leaders"))


def _draw_scale(canvas: _Canvas, layout: Layout) -> None:
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
        baseline = y - cap_height(size) / 2 if abs(sin) < 0.1 else y + 0.01
        canvas.text(x, baseline, str(value), size, ha=ha)
    canvas.add(LineCollection(segments, colors=_MUTED, linewidths=0.8, gid="scale"))
    end = outer + style.tick + 0.04 + text_width("5", size) + 0.06
    baseline = layout.cy - cap_height(size) / 2
    canvas.text(layout.cx - end, baseline, "fragmented", size, ha="right", colour=_MUTED, italic=True)
    canvas.text(layout.cx + end, baseline, "integrated", size, colour=_MUTED, italic=True)


def _draw_title(canvas: _Canvas, layout: Layout) -> None:
    style = layout.style
    baseline = style.size[1] - style.margin - style.title_pt / 72 * 0.8
    for line in layout.title_lines:
        canvas.text(style.size[0] / 2, baseline, line, style.title_pt, ha="center", bold=True)
        baseline -= line_height(style.title_pt)


def _draw_legend(canvas: _Canvas, layout: Layout) -> None:
    """Rows of text entries, each after a small grey sample of what it names; centred under the chart."""
    style = layout.style
    row_h = line_height(style.small_pt) * 1.45
    swatch = swatch_width(style)
    for index, entries in enumerate(layout.legend_rows):
        y = layout.legend_top - (index + 0.5) * row_h
        widths = [legend_width(entry, style) for entry in entries]
        x = (style.size[0] - sum(widths) + legend_spacing(style)) / 2
        for entry, width in zip(entries, widths, strict=True):
            _draw_sample(canvas, entry.kind, x, y, swatch, cap_height(style.small_pt) * 1.1)
            canvas.text(x + swatch + 0.06, y - cap_height(style.small_pt) / 2, entry.text, style.small_pt)
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
