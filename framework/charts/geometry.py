"""Geometry of the rainbow: concentric half-circle rings, outermost first, as SVG path data.

Shared by every drawing of the rainbow so that the walkthrough and the charts put each arc in the same place.
A ring is only a shape; what a chart draws in it (a score, a baseline, a target) is a
`framework.charts.rainbow_chart.Band`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Ring:
    """One arc's place: the half annulus between `inner` and `outer` radius, centred on (`cx`, `cy`)."""

    cx: float
    cy: float
    inner: float
    outer: float

    @property
    def middle(self) -> float:
        return (self.inner + self.outer) / 2

    @property
    def shape_path(self) -> str:
        """The filled half annulus, left to right over the top, as SVG path data (y grows downwards)."""
        left_out, right_out = self.cx - self.outer, self.cx + self.outer
        left_in, right_in = self.cx - self.inner, self.cx + self.inner
        return (
            f"M {left_out:.2f} {self.cy:.2f} "
            f"A {self.outer:.2f} {self.outer:.2f} 0 0 1 {right_out:.2f} {self.cy:.2f} "
            f"L {right_in:.2f} {self.cy:.2f} "
            f"A {self.inner:.2f} {self.inner:.2f} 0 0 0 {left_in:.2f} {self.cy:.2f} Z"
        )

    @property
    def centre_line_path(self) -> str:
        """The ring's centre line, left to right, for text that follows the arc."""
        r = self.middle
        return f"M {self.cx - r:.2f} {self.cy:.2f} A {r:.2f} {r:.2f} 0 0 1 {self.cx + r:.2f} {self.cy:.2f}"

    @property
    def centre_line_length(self) -> float:
        return math.pi * self.middle


def rainbow_rings(
    count: int, *, outer_radius: float, hole_radius: float, gap: float = 0.0, cx: float = 0.0, cy: float = 0.0
) -> list[Ring]:
    """`count` equal rings filling the space between `hole_radius` and `outer_radius`, outermost first, with
    `gap` between neighbours.

    :raises ValueError: when there are no rings or the space leaves them no width.
    """
    if count < 1:
        raise ValueError("a rainbow needs at least one ring")
    step = (outer_radius - hole_radius) / count
    if step <= gap:
        raise ValueError("the rings have no width: make the space wider or the gap smaller")
    rings = []
    for index in range(count):
        outer = outer_radius - index * step
        rings.append(Ring(cx=cx, cy=cy, inner=outer - step + gap, outer=outer))
    return rings
