"""The rainbow's geometry: equal, nested, non-overlapping half-circle rings, outermost first."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from framework.charts.geometry import rainbow_rings


def test_rings_fill_the_space_outermost_first() -> None:
    rings = rainbow_rings(8, outer_radius=300, hole_radius=60)
    assert rings[0].outer == 300
    assert rings[-1].inner == pytest.approx(60)
    assert [ring.outer for ring in rings] == sorted((ring.outer for ring in rings), reverse=True)


def test_shape_path_is_a_closed_half_annulus() -> None:
    [ring] = rainbow_rings(1, outer_radius=100, hole_radius=50, cx=100, cy=100)
    assert (
        ring.shape_path == "M 0.00 100.00 A 100.00 100.00 0 0 1 200.00 100.00 L 150.00 100.00 "
        "A 50.00 50.00 0 0 0 50.00 100.00 Z"
    )


def test_no_rings_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one ring"):
        rainbow_rings(0, outer_radius=10, hole_radius=1)


def test_a_gap_wider_than_the_rings_is_an_error() -> None:
    with pytest.raises(ValueError, match="no width"):
        rainbow_rings(10, outer_radius=10, hole_radius=5, gap=1)


@given(
    count=st.integers(1, 12),
    hole=st.floats(0, 200),
    width=st.floats(20, 400),
    gap_share=st.floats(0, 0.9),
)
def test_rings_never_overlap_and_stay_in_their_space(
    count: int, hole: float, width: float, gap_share: float
) -> None:
    gap = gap_share * width / count
    rings = rainbow_rings(count, outer_radius=hole + width, hole_radius=hole, gap=gap)
    assert len(rings) == count
    for outer_ring, inner_ring in pairwise(rings):
        assert inner_ring.outer <= outer_ring.inner + 1e-9
    for ring in rings:
        assert hole - 1e-9 <= ring.inner < ring.outer <= hole + width + 1e-9
