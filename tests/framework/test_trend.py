from framework.trend import score_interval


def test_an_interval_holds_the_mean_of_the_cell_means() -> None:
    """Cells as (sum of a person's ratings, number of ratings) -> people."""
    cells = [{(2, 1): 5, (6, 2): 5}, {(4, 1): 6, (5, 1): 4}]
    interval = score_interval(cells, seed="red:1")
    assert interval is not None
    low, high = interval
    assert low < ((5 * 2 + 30) / 15 + 4.4) / 2 < high


def test_the_same_answers_give_the_same_interval() -> None:
    cells = [{(1, 1): 3, (5, 1): 4}]
    assert score_interval(cells, seed="red:1") == score_interval(cells, seed="red:1")


def test_everyone_agreeing_gives_an_interval_of_no_width() -> None:
    assert score_interval([{(3, 1): 8, (9, 3): 2}], seed="x") == (3.0, 3.0)


def test_a_resample_weighs_each_rating_the_same() -> None:
    """One person rated 1 four times, four people rated 5 once: every resample's mean is that of its ratings,
    so an interval of the means of arc scores (1 and 5, mean 4.2) would not hold the cell's mean of 3."""
    interval = score_interval([{(4, 4): 1, (5, 1): 4}], seed="x")
    assert interval is not None
    low, high = interval
    assert low <= 3.0 <= high


def test_no_cell_gives_no_interval() -> None:
    assert score_interval([], seed="x") is None
