"""Charts stay readable at any size: round grid steps, a handful of grid lines."""

import pytest

from governance.charts import burnup_chart, tick_step
from governance.selectors import BurnupPoint


@pytest.mark.parametrize(
    ("largest", "step"), [(1, 1), (7, 2), (125, 25), (300, 50), (1_000, 200), (9_000, 2_000)]
)
def test_tick_step_is_round_and_gives_few_lines(largest: int, step: int) -> None:
    assert tick_step(largest) == step
    assert largest / step <= 6


def test_burnup_of_thousands_draws_a_handful_of_grid_lines() -> None:
    points = [
        BurnupPoint(label=f"T{n}", planned=0, decided=3_000 * n, running=2_000 * n, done=1_000 * n)
        for n in (1, 2, 3)
    ]
    chart = burnup_chart(points, goal=125)
    grid = [line for line in chart.lines if line["kind"] == "grid"]
    assert 3 <= len(grid) <= 7
    assert [text["text"] for text in chart.texts[:2]] == ["0", "2.000"]
