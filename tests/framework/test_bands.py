"""The rainbow's geometry: equal, nested, non-overlapping half-circle bands, outermost first."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from framework.charts.geometry import rainbow_bands


def test_bands_fill_the_ring_outermost_first() -> None:
    bands = rainbow_bands(8, outer_radius=300, hole_radius=60)
    assert bands[0].outer == 300
    assert bands[-1].inner == pytest.approx(60)
    assert [band.outer for band in bands] == sorted((band.outer for band in bands), reverse=True)


def test_shape_path_is_a_closed_half_annulus() -> None:
    [band] = rainbow_bands(1, outer_radius=100, hole_radius=50, cx=100, cy=100)
    assert (
        band.shape_path == "M 0.00 100.00 A 100.00 100.00 0 0 1 200.00 100.00 L 150.00 100.00 "
        "A 50.00 50.00 0 0 0 50.00 100.00 Z"
    )


def test_no_bands_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one band"):
        rainbow_bands(0, outer_radius=10, hole_radius=1)


def test_a_gap_wider_than_the_bands_is_an_error() -> None:
    with pytest.raises(ValueError, match="no width"):
        rainbow_bands(10, outer_radius=10, hole_radius=5, gap=1)


@given(
    count=st.integers(1, 12),
    hole=st.floats(0, 200),
    width=st.floats(20, 400),
    gap_share=st.floats(0, 0.9),
)
def test_bands_never_overlap_and_stay_in_the_ring(
    count: int, hole: float, width: float, gap_share: float
) -> None:
    gap = gap_share * width / count
    bands = rainbow_bands(count, outer_radius=hole + width, hole_radius=hole, gap=gap)
    assert len(bands) == count
    for outer_band, inner_band in pairwise(bands):
        assert inner_band.outer <= outer_band.inner + 1e-9
    for band in bands:
        assert hole - 1e-9 <= band.inner < band.outer <= hole + width + 1e-9
