"""Numbers as every reader sees them, on a page, in the board pack and in a download's words: one place, so
a change reads "+0.74" wherever it is shown."""

from __future__ import annotations

from framework.figures import PLACES, score_text

MINUS = "\u2212"


def figure(value: float | None, places: int = PLACES) -> str:
    """A score as pages and the board pack show it: two decimals, rounded as the charts round them
    (`framework.figures`); an empty string for no figure (templates say why)."""
    return "" if value is None else score_text(value, places)


def signed(value: float | None, places: int = 2) -> str:
    """A change with its sign, e.g. +0.25, or -0.10 with a real minus sign, which screen readers say."""
    if value is None:
        return ""
    text = f"{abs(value):.{places}f}"
    if float(text) == 0:
        return f"±{text}"
    return f"+{text}" if value > 0 else f"{MINUS}{text}"
