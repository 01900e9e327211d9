import pytest

from app.services.heatmap import STEP_WORDS, step_of


@pytest.mark.parametrize(
    ("figure", "step"), [(1.0, 1), (1.79, 1), (1.795, 2), (2.6, 3), (3.39, 3), (3.4, 4), (4.2, 5), (5.0, 5)]
)
def test_a_figure_takes_the_step_of_its_printed_value(figure: float, step: int) -> None:
    assert step_of(figure) == step


def test_the_legend_names_every_step() -> None:
    assert len(STEP_WORDS) == 5 and STEP_WORDS[0].startswith("1.00") and STEP_WORDS[-1].endswith("5.00")
