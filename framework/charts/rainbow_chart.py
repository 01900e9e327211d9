"""The rainbow chart: each arc's score drawn as a filled half-circle band, for a board or a small multiple.

A band is filled from its left end ("fragmented", 1) towards its right end ("integrated", 5) in proportion to
the arc's score; the rest of the band is a pale tint of its colour. A baseline is a thin dark strip along the
band's inner edge and a target a short dark tick across it, so that before, now and aim read by position and
darkness, never by hue alone. Every value is printed beside the band's right end, and a suppressed arc is
hatched and reads "too few answers": it never shows a figure.

This module is the chart as data (`RainbowChart` of `Band`), its text (`value_text`, `describe`) and its
digest (`chart_digest`), without matplotlib. `framework.charts.rainbow` renders and draws it, loading the
layout (`rainbow_layout`) and the drawing (`rainbow_drawing`), which need matplotlib, on first use.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from framework.figures import change_between, change_text, score_text
from framework.model import Framework

#: Part of every chart digest: bump it whenever a change here, in `rainbow_layout` or in `rainbow_drawing`
#: changes what is drawn, so that cached images expire.
DRAWING_VERSION = "2"

MIN_SCORE, MAX_SCORE = 1.0, 5.0
MAX_BANDS = 12
Format = Literal["png", "svg"]

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class Band:
    """One arc as drawn: its score, and optionally its baseline and target, each on the 1 to 5 scale.

    :raises ValueError: naming the key and field, for a score, baseline or target outside 1 to 5 or a colour
        that is not ``#rrggbb``.
    """

    key: str
    label: str
    colour: str
    score: float | None  # None: suppressed, too few answers
    baseline: float | None = None
    target: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise ValueError(f"a band needs a key, not {self.key!r}")
        if not isinstance(self.label, str):
            raise ValueError(f"band {self.key!r}: label must be text, not {self.label!r}")
        if not isinstance(self.colour, str) or not _COLOUR.match(self.colour):
            raise ValueError(f"band {self.key!r}: colour must be '#rrggbb', not {self.colour!r}")
        for field in ("score", "baseline", "target"):
            value = getattr(self, field)
            if value is None:
                continue
            in_range = isinstance(value, numbers.Real) and not isinstance(value, bool)
            if not in_range or not MIN_SCORE <= value <= MAX_SCORE:  # NaN fails the comparison too
                raise ValueError(f"band {self.key!r}: {field} must be from 1 to 5 or None, not {value!r}")


@dataclass(frozen=True)
class RainbowChart:
    """What a rainbow chart shows. Bands are outermost first, in the framework's order.

    Baselines are drawn, and described, only when `baseline_label` names the baseline round; a band with a
    baseline on a chart without one is an error rather than silently dropped.
    """

    title: str
    bands: tuple[Band, ...]
    current_label: str = "This round"
    baseline_label: str | None = None

    def __post_init__(self) -> None:
        for field in ("title", "current_label", "baseline_label"):
            value = getattr(self, field)
            if not isinstance(value, str) and not (field == "baseline_label" and value is None):
                raise ValueError(f"chart {field} must be text, not {value!r}")
        object.__setattr__(self, "bands", tuple(self.bands))
        if not 1 <= len(self.bands) <= MAX_BANDS:
            raise ValueError(f"a rainbow chart needs 1 to {MAX_BANDS} bands, not {len(self.bands)}")
        seen: set[str] = set()
        for band in self.bands:
            if not isinstance(band, Band):
                raise ValueError(f"bands must be Band, not {type(band).__name__}")
            if band.key in seen:
                raise ValueError(f"band {band.key!r}: key appears twice")
            seen.add(band.key)
            if band.baseline is not None and self.baseline_label is None:
                raise ValueError(f"band {band.key!r}: baseline given but the chart has no baseline_label")

    @property
    def has_targets(self) -> bool:
        return any(band.target is not None for band in self.bands)

    @property
    def has_suppressed(self) -> bool:
        return any(band.score is None for band in self.bands)


def bands_for(
    framework: Framework,
    scores: Mapping[str, float | None],
    *,
    baselines: Mapping[str, float | None] | None = None,
    targets: Mapping[str, float] | None = None,
) -> tuple[Band, ...]:
    """One band per framework arc, in order; an arc missing from `scores` is drawn as suppressed.

    :raises ValueError: when a mapping names an arc the framework does not have (a framework mismatch).
    """
    known = set(framework.arc_keys)
    for name, mapping in (("scores", scores), ("baselines", baselines), ("targets", targets)):
        unknown = sorted(set(mapping or {}) - known)
        if unknown:
            raise ValueError(f"{name} name arcs the framework does not have: {', '.join(unknown)}")
    return tuple(
        Band(
            key=arc.key,
            label=arc.short_title,
            colour=arc.colour,
            score=scores.get(arc.key),
            baseline=(baselines or {}).get(arc.key),
            target=(targets or {}).get(arc.key),
        )
        for arc in framework.arcs
    )


def score_angle(score: float) -> float:
    """Where a score sits along a band, in degrees anticlockwise from the right end: 1 -> 180, 5 -> 0."""
    return 180.0 * (1.0 - (score - MIN_SCORE) / (MAX_SCORE - MIN_SCORE))


# --- text ---------------------------------------------------------------------------------------------------


def _number(value: float) -> str:
    return score_text(value)


def _change(score: float, baseline: float) -> Decimal:
    # From the printed figures, as every page does (framework.figures), so chart and tables agree.
    return change_between(score, baseline)


def _signed(change: Decimal) -> str:
    return change_text(change)


def value_text(band: Band, *, with_baseline: bool, compact: bool = False) -> str:
    """The value printed at the band's right end, e.g. ``3.4 (baseline 2.9, +0.5) · target 4.0``."""
    if band.score is None:
        text = "too few answers"
        if with_baseline and not compact:
            text += " (both rounds)" if band.baseline is None else f" (baseline {_number(band.baseline)})"
    else:
        text = _number(band.score)
        if with_baseline and band.baseline is None:
            text += " (baseline: too few)" if compact else " (baseline: too few answers)"
        elif with_baseline and band.baseline is not None:
            change = _signed(_change(band.score, band.baseline))
            text += f" ({change})" if compact else f" (baseline {_number(band.baseline)}, {change})"
    if band.target is not None:
        text += f" \u00b7 target {_number(band.target)}"
    return text


def describe(chart: RainbowChart) -> str:
    """The chart as text (its alternative for screen readers and the board pack): one sentence per arc."""
    title = chart.title.strip()
    parts = [title if title.endswith((".", "!", "?")) else f"{title}."]
    parts.append("Each arc is scored from 1 (fragmented) to 5 (integrated).")
    if chart.baseline_label is not None:
        parts.append(f"{chart.current_label} is compared with {chart.baseline_label}.")
    parts.extend(_describe_band(band, chart.baseline_label is not None) for band in chart.bands)
    return " ".join(parts)


def _describe_band(band: Band, with_baseline: bool) -> str:
    notes = []
    if with_baseline and band.baseline is None:
        notes.append("baseline: too few answers")
    elif with_baseline and band.baseline is not None:
        baseline = f"baseline {_number(band.baseline)}"
        if band.score is not None:
            change = _change(band.score, band.baseline)
            baseline += ", no change" if change == 0 else f", {'up' if change > 0 else 'down'} {abs(change)}"
        notes.append(baseline)
    if band.target is not None:
        notes.append(f"target {_number(band.target)}")
    extra = f" ({'; '.join(notes)})" if notes else ""
    if band.score is None:
        return f"{band.label}: too few answers to show{extra}."
    return f"{band.label}: {_number(band.score)} out of 5{extra}."


# --- digest -------------------------------------------------------------------------------------------------


def chart_digest(chart: RainbowChart, fmt: str, *, compact: bool = False, dpi: int = 100) -> str:
    """SHA-256 (hex) of everything that decides the rendered bytes: a cache key and an ETag."""
    payload = {
        "drawing": DRAWING_VERSION,
        "matplotlib": _matplotlib_version(),
        "format": fmt,
        "compact": bool(compact),
        "dpi": int(dpi),
        "title": chart.title,
        "current_label": chart.current_label,
        "baseline_label": chart.baseline_label,
        "bands": [
            [
                band.key,
                band.label,
                band.colour.lower(),
                *(
                    None if value is None else float(value)
                    for value in (band.score, band.baseline, band.target)
                ),
            ]
            for band in chart.bands
        ],
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@functools.cache
def _matplotlib_version() -> str:
    return importlib.metadata.version("matplotlib")  # without importing it
