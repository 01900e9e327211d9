"""One arc's scores by viewpoint as horizontal bars, for the board pack.

Each viewpoint gets a bar from 1 to its mean in the arc's colour (with a dark edge, so that a pale colour
still shows when printed in greyscale) and, when there is a baseline, a thin dark bar under it. A viewpoint
with a target gets a dark upright tick at the target level, taller than the bar so that it shows across a bar
and beyond one, named "Target" in the legend. A missing mean (a cell with too few answers) gets the words
"too few answers" instead of a bar.

Drawn with matplotlib's Figure API only: pyplot and the global rcParams are shared by every thread of the
server, so this module touches neither.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

FIGURE_SIZE = (7.0, 3.2)  # inches
DPI = 120
SCALE = (1, 2, 3, 4, 5)
TOO_FEW = "too few answers"

EDGE = "#1a1a1a"
BASELINE = "#333333"
GRID = "#b0b0b0"
MUTED = "#444444"

CURRENT_HEIGHT = 0.46
BASELINE_HEIGHT = 0.12
BASELINE_OFFSET = 0.38  # below the current bar's centre (the y axis runs downwards)
X_RIGHT = 5.42  # room after a bar that reaches 5 for its value
TARGET_REACH = 0.33  # the tick's half height: past the current bar (0.23), short of the baseline bar (0.32)
TARGET_WIDTH = 2.2  # points

Row = tuple[str, float | None, float | None]


def draw_viewpoint_bars(
    *,
    arc_title: str,
    colour: str,
    rows: Sequence[Row],
    current_label: str,
    baseline_label: str | None,
    targets: Sequence[float | None] | None = None,
) -> bytes:
    """The chart as PNG bytes (7 x 3.2 inches at 120 dpi).

    `rows` are (viewpoint label, current mean, baseline mean), top to bottom; a None mean is drawn as
    "too few answers". Baseline bars are drawn only when `baseline_label` is given. `targets`, when given,
    has a level or None for each row, in the same order.
    """
    figure = viewpoint_bars_figure(
        arc_title=arc_title,
        colour=colour,
        rows=rows,
        current_label=current_label,
        baseline_label=baseline_label,
        targets=targets,
    )
    buffer = BytesIO()
    # No "Software" entry, so that the same scores always give the same bytes.
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def viewpoint_bars_figure(
    *,
    arc_title: str,
    colour: str,
    rows: Sequence[Row],
    current_label: str,
    baseline_label: str | None,
    targets: Sequence[float | None] | None = None,
) -> Figure:
    """The chart as a Figure (what `draw_viewpoint_bars` renders); bars carry the gid "current" or
    "baseline" and target ticks the gid "target" so that they can be told apart."""
    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    levels = list(targets) if targets is not None else [None] * len(rows)
    if len(levels) != len(rows):
        raise ValueError(f"{len(levels)} targets for {len(rows)} rows")
    for position, ((_label, current, baseline), level) in enumerate(zip(rows, levels, strict=True)):
        _draw_current(axes, position, current, colour)
        if baseline_label is not None:
            _draw_baseline(axes, position, baseline)
        if level is not None:
            _draw_target(axes, position, level)
    _style_axes(axes, [label for label, _current, _baseline in rows])
    # Left-aligned on the figure, not the axes, so a long title has the full width; wrapped for the longest.
    figure.suptitle(
        "\n".join(textwrap.wrap(arc_title, 74)), x=0.01, ha="left", fontsize=11, fontweight="bold"
    )
    has_target = any(level is not None for level in levels)
    _add_legend(figure, colour, current_label, baseline_label, has_target=has_target)
    return figure


def _draw_current(axes: Axes, position: int, mean: float | None, colour: str) -> None:
    if mean is None:
        axes.text(1.06, position, TOO_FEW, va="center", ha="left", fontsize=9, style="italic", color=MUTED)
        return
    (bar,) = axes.barh(
        position, mean - 1, left=1, height=CURRENT_HEIGHT, color=colour, edgecolor=EDGE, linewidth=0.9
    )
    bar.set_gid("current")
    axes.text(mean + 0.05, position, f"{mean:.2f}", va="center", ha="left", fontsize=9, fontweight="bold")


def _draw_baseline(axes: Axes, position: int, mean: float | None) -> None:
    y = position + BASELINE_OFFSET
    if mean is None:
        axes.text(1.06, y, TOO_FEW, va="center", ha="left", fontsize=7, style="italic", color=MUTED)
        return
    (bar,) = axes.barh(y, mean - 1, left=1, height=BASELINE_HEIGHT, color=BASELINE, linewidth=0)
    bar.set_gid("baseline")
    axes.text(mean + 0.05, y, f"{mean:.2f}", va="center", ha="left", fontsize=7, color=MUTED)


def _draw_target(axes: Axes, position: int, level: float) -> None:
    # Drawn over the bar (zorder) in the edge colour, which reads on every arc colour and in greyscale.
    (tick,) = axes.plot(
        [level, level],
        [position - TARGET_REACH, position + TARGET_REACH],
        color=EDGE,
        linewidth=TARGET_WIDTH,
        solid_capstyle="butt",
        zorder=3,
    )
    tick.set_gid("target")


def _style_axes(axes: Axes, labels: Sequence[str]) -> None:
    axes.set_xlim(1, X_RIGHT)
    axes.set_xticks(SCALE)
    axes.set_ylim(len(labels) - 0.4, -0.5)  # first row at the top, room below the last baseline bar
    axes.set_yticks(range(len(labels)), labels=list(labels), fontsize=9)
    axes.tick_params(axis="y", length=0)
    axes.tick_params(axis="x", labelsize=8)
    axes.xaxis.grid(True, color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    axes.set_xlabel("Mean score: 1 fragmented to 5 integrated", fontsize=8)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _add_legend(
    figure: Figure, colour: str, current_label: str, baseline_label: str | None, *, has_target: bool
) -> None:
    handles: list[Patch | Line2D] = [
        Patch(facecolor=colour, edgecolor=EDGE, linewidth=0.9, label=current_label)
    ]
    if baseline_label is not None:
        handles.append(Patch(facecolor=BASELINE, label=baseline_label))
    if has_target:
        handles.append(Line2D([], [], color=EDGE, ls="", marker="|", ms=10, mew=TARGET_WIDTH, label="Target"))
    figure.legend(handles=handles, loc="outside lower right", ncols=len(handles), fontsize=8, frameon=False)
