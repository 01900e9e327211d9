"""How a score and a change are written, the same way in every output: pages, charts and the heat map.

A score is rounded half up from its shortest decimal form, as a reader rounds (2.125 -> 2.13, where binary
rounding gives 2.12). A change is worked out from the two figures as printed, so that a reader's own
subtraction agrees with it, and a change that rounds to nothing reads "no change" everywhere.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: Decimal places of every score and change shown.
PLACES = 2
MINUS = "\u2212"
NO_CHANGE = "no change"


def rounded(value: float, places: int = PLACES) -> Decimal:
    """`value` to `places` decimals, half up from its shortest decimal form."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def score_text(value: float, places: int = PLACES) -> str:
    """A score as printed: ``3.40``."""
    return str(rounded(value, places))


def change_between(current: float, baseline: float, places: int = PLACES) -> Decimal:
    """The change from `baseline` to `current`, from the two figures as printed."""
    return rounded(current, places) - rounded(baseline, places)


def change_text(change: Decimal | float, places: int = PLACES) -> str:
    """A change as printed: ``+0.25``, a real minus for a fall (screen readers say it), or "no change"."""
    amount = rounded(float(change), places)
    if amount == 0:
        return NO_CHANGE
    return f"+{amount}" if amount > 0 else f"{MINUS}{-amount}"
