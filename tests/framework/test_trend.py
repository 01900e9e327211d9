from fractions import Fraction

from framework.trend import score_interval


def test_an_interval_holds_the_mean_of_the_cell_means() -> None:
    cells = [{Fraction(2): 5, Fraction(3): 5}, {Fraction(4): 6, Fraction(5): 4}]
    interval = score_interval(cells, seed="red:1")
    assert interval is not None
    low, high = interval
    assert low < (2.5 + 4.4) / 2 < high


def test_the_same_answers_give_the_same_interval() -> None:
    cells = [{Fraction(1): 3, Fraction(5): 4}]
    assert score_interval(cells, seed="red:1") == score_interval(cells, seed="red:1")


def test_everyone_agreeing_gives_an_interval_of_no_width() -> None:
    assert score_interval([{Fraction(3): 8}], seed="x") == (3.0, 3.0)


def test_no_cell_gives_no_interval() -> None:
    assert score_interval([], seed="x") is None
