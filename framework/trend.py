"""An arc's score across a trust's rounds, each with its 95% interval.

An arc's score is the mean of its cells' means (viewpoints weigh the same, as in `framework.scoring`), so its
interval resamples each cell's participants with replacement, independently, and takes the mean of the
resampled cell means: the same bootstrap as a comparison's, over one round. The generator is seeded from the
arc and the round, so the same answers always give the same interval.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from framework.scoring import BOOTSTRAP_SAMPLES, CONFIDENCE, RaterTotal, resampled_means

#: One cell's participants: (sum of their ratings, number of ratings) -> how many people.
Histogram = Mapping[RaterTotal, int]


@dataclass(frozen=True)
class TrendPoint:
    """An arc in one round: its score and interval, or None for each when every cell was hidden."""

    round_label: str
    score: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class TrendLine:
    """An arc across the rounds, oldest first."""

    key: str
    label: str
    colour: str
    points: tuple[TrendPoint, ...]


def score_interval(cells: Sequence[Histogram], *, seed: str) -> tuple[float, float] | None:
    """The 95% interval of the mean of `cells`' means; None when there is no cell with anyone in it."""
    import numpy as np  # here, not at the top: slow to import, and only trends and comparisons need it

    filled = [cell for cell in cells if sum(cell.values()) > 0]
    if not filled:
        return None
    rng = np.random.default_rng(zlib.crc32(seed.encode()))
    total = np.zeros(BOOTSTRAP_SAMPLES)
    for cell in filled:
        total += resampled_means(rng, cell)
    total /= len(filled)
    tail = (1 - CONFIDENCE) / 2
    low, high = np.quantile(total, [tail, 1 - tail])
    return float(low), float(high)
