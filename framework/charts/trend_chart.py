"""Each arc across a trust's rounds: one small panel per arc, its score in each round as a point with its 95%
interval as a bar, the figure printed beside it, and "too few" where every cell of the arc was hidden.

The panels share one scale (1 fragmented to 5 integrated) and the rounds' names along the bottom, so that a
reader compares arcs by position. Panel titles are the framework's short names (at most 28 characters),
never cut. Drawn with matplotlib's Figure API only (no pyplot, no global state), like the rainbow.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from io import BytesIO
from typing import TYPE_CHECKING, Literal

from framework.figures import score_text
from framework.trend import TrendLine

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Format = Literal["png", "svg"]
COLUMNS = 2
PANEL_SIZE = (4.6, 2.3)  # inches per panel
INK = "#1b1b1f"
MUTED = "#4a4a55"
GRID = "#c9c9d3"
TOO_FEW = "too few"


def trend_figure(title: str, round_labels: Sequence[str], lines: Sequence[TrendLine]) -> Figure:
    """The chart as a Figure; points carry the gid ``<arc>-point-<n>`` and intervals ``<arc>-interval-<n>``.

    :raises ValueError: a line without one point per round.
    """
    from matplotlib.figure import Figure

    for line in lines:
        if len(line.points) != len(round_labels):
            raise ValueError(f"{line.key}: {len(line.points)} points for {len(round_labels)} rounds")
    rows = max(1, -(-len(lines) // COLUMNS))
    size = (PANEL_SIZE[0] * COLUMNS, PANEL_SIZE[1] * rows + 0.9)
    figure = Figure(figsize=size, layout="constrained")
    figure.suptitle("\n".join(textwrap.wrap(title, 90)), fontsize=13, fontweight="bold", color=INK)
    panels = figure.subplots(rows, COLUMNS, sharex=True, sharey=True, squeeze=False)
    for index, axes in enumerate(panels.flat):
        if index >= len(lines):
            axes.set_visible(False)
            continue
        _draw_line(axes, lines[index], round_labels)
    figure.supxlabel(
        "Dot: the arc's score in each round. Bar: its 95% interval. 1 fragmented, 5 integrated.",
        fontsize=9,
        color=MUTED,
    )
    return figure


def _draw_line(axes: Axes, line: TrendLine, round_labels: Sequence[str]) -> None:
    xs = [x for x, point in enumerate(line.points) if point.score is not None]
    ys = [point.score for point in line.points if point.score is not None]
    if len(xs) > 1:
        axes.plot(xs, ys, color=line.colour, linewidth=1.6, zorder=2)
    for x, point in enumerate(line.points):
        if point.score is None:
            axes.text(x, 3, TOO_FEW, ha="center", va="center", fontsize=8, style="italic", color=MUTED)
            continue
        if point.low is not None and point.high is not None:
            # Capped, and drawn over the dot, so that a narrow interval still shows.
            (bar,) = axes.plot(
                [x, x], [point.low, point.high], color=INK, linewidth=1.4, marker="_", markersize=9, zorder=5
            )
            bar.set_gid(f"{line.key}-interval-{x}")
        (dot,) = axes.plot(
            [x], [point.score], marker="o", markersize=5, color=line.colour, markeredgecolor=INK, zorder=4
        )
        dot.set_gid(f"{line.key}-point-{x}")
        axes.annotate(
            score_text(point.score),
            (x, point.score),
            xytext=(8, 5),
            textcoords="offset points",
            va="center",
            fontsize=8.5,
            fontweight="bold",
            color=INK,
        )
    axes.set_title(line.label, loc="left", fontsize=10, fontweight="bold", color=INK)
    axes.set_ylim(1, 5)
    axes.set_yticks([1, 2, 3, 4, 5])
    axes.set_xlim(
        -0.4, max(len(round_labels), 1) - 0.4
    )  # no published round yet: an empty panel, not a warning
    axes.set_xticks(range(len(round_labels)), labels=["\n".join(textwrap.wrap(r, 16)) for r in round_labels])
    axes.tick_params(labelsize=8, colors=INK)
    axes.yaxis.grid(True, color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def render_trend(
    title: str, round_labels: Sequence[str], lines: Sequence[TrendLine], fmt: Format, *, scale: int = 1
) -> bytes:
    """The chart as PNG (100 dpi times `scale`) or SVG bytes; the same figures give the same bytes."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"format must be 'png' or 'svg', not {fmt!r}")
    figure = trend_figure(title, round_labels, lines)
    buffer = BytesIO()
    # No date or software in the file, so that the same figures always give the same bytes (and ETag).
    if fmt == "png":
        figure.savefig(buffer, format="png", dpi=100 * scale, metadata={"Software": None}, facecolor="white")
        return buffer.getvalue()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, facecolor="white")
    from framework.charts.rainbow_drawing import stable_svg_ids

    return stable_svg_ids(buffer.getvalue())
