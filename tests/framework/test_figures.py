from decimal import Decimal

import pytest

from framework.figures import NO_CHANGE, change_between, change_text, rounded, score_text


def test_a_score_rounds_half_up_from_its_decimal_form() -> None:
    assert score_text(2.125) == "2.13"
    assert score_text(3.0) == "3.00"
    assert rounded(2.25, 1) == Decimal("2.3")


def test_a_change_is_worked_out_from_the_printed_figures() -> None:
    assert change_between(2.844, 2.776) == Decimal("0.06")  # 2.84 - 2.78, not 0.068 rounded to 0.07


@pytest.mark.parametrize(
    ("change", "text"),
    [
        (Decimal("0.25"), "+0.25"),
        (Decimal("-0.1"), "\u22120.10"),
        (Decimal("0"), NO_CHANGE),
        (0.001, NO_CHANGE),
    ],
)
def test_a_change_is_written_with_its_sign_or_as_no_change(change: Decimal | float, text: str) -> None:
    assert change_text(change) == text


def test_two_figures_that_print_the_same_read_no_change() -> None:
    assert change_text(change_between(2.801, 2.799)) == NO_CHANGE
