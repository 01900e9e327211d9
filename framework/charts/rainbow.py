"""The rainbow chart (`framework.charts.rainbow_chart`) as PNG or SVG bytes, or as a matplotlib Figure.

matplotlib takes half a second to import and a server's start-up should not wait for it, so the layout and
drawing (`rainbow_layout`, `rainbow_drawing`), which need it, are imported on the first `render` or `draw`,
not with this module. They import the chart, never this module, so no import comes back here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from framework.charts.rainbow_chart import Format, RainbowChart

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def render(chart: RainbowChart, fmt: Format, *, compact: bool = False, dpi: int = 100) -> bytes:
    """The chart as PNG or SVG bytes; the same chart gives the same bytes.

    :raises ValueError: for another format or a dpi that is not positive.
    """
    if fmt not in ("png", "svg"):
        raise ValueError(f"format must be 'png' or 'svg', not {fmt!r}")
    if not isinstance(dpi, int) or dpi <= 0:
        raise ValueError(f"dpi must be a positive whole number, not {dpi!r}")
    from framework.charts import rainbow_drawing  # on first use: see the module's docstring

    return rainbow_drawing.render_bytes(chart, fmt, compact=compact, dpi=dpi)


def draw(chart: RainbowChart, *, compact: bool = False) -> Figure:
    """The rainbow as a matplotlib Figure (Figure API only: no pyplot, no global state).

    Artists sit on the figure itself, positioned in inches; text is real text. Each band's artists carry a
    gid: ``<key>-band`` (the whole band, pale, hatched when suppressed), ``<key>-fill`` (the score),
    ``<key>-baseline`` and ``<key>-target``.
    """
    from framework.charts import rainbow_drawing  # on first use: see the module's docstring

    return rainbow_drawing.draw_figure(chart, compact=compact)
