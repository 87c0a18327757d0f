"""Charts stay readable at any size (round grid steps, a handful of grid lines) and take their colours from
the one palette in app.css."""

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from governance.charts import BURNUP_SERIES, burnup_chart, stacked_status_bars, svg, tick_step
from governance.models import KaStatus
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


# --- the palette: static/css/app.css is its one home, for the legend's dots and for the SVG charts --------

APP_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"
HEX = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?\b")


def _rules() -> list[tuple[list[str], dict[str, str]]]:
    """(selectors, declarations) of every rule of app.css, comments left out."""
    css = re.sub(r"/\*.*?\*/", "", APP_CSS.read_text(encoding="utf-8"), flags=re.S)
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = dict(
            (name.strip(), value.strip())
            for name, _sep, value in (part.partition(":") for part in body.split(";"))
            if value.strip()
        )
        rules.append(([s.strip() for s in selectors.split(",")], declarations))
    return rules


def _root() -> dict[str, str]:
    return {
        name: value
        for selectors, declarations in _rules()
        if ":root" in selectors
        for name, value in declarations.items()
    }


def _palette_entries(prefix: str) -> dict[str, set[str]]:
    """What each selector ``.<prefix><name>`` sets: the values of all its declarations."""
    found: dict[str, set[str]] = {}
    for selectors, declarations in _rules():
        for selector in selectors:
            if selector.startswith(f".{prefix}") and re.fullmatch(r"\.[\w-]+", selector):
                found.setdefault(selector.removeprefix(f".{prefix}"), set()).update(
                    f"{name}: {value}" for name, value in declarations.items()
                )
    return found


def _colour(value: str) -> str:
    """A custom property's colour, following var() to the end."""
    while match := re.fullmatch(r"var\((--[\w-]+)\)", value):
        value = _root()[match[1]]
    assert HEX.fullmatch(value), value
    return value


def _contrast_with_white(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


STATUSES = {status.value for status in KaStatus}


def test_every_status_has_one_colour_in_the_palette_with_contrast_against_white() -> None:
    root = _root()
    assert {name.removeprefix("--status-") for name in root if name.startswith("--status-")} == STATUSES
    for name in [*(f"--status-{s}" for s in STATUSES), *(f"--series-{s}" for s in BURNUP_SERIES)]:
        assert _contrast_with_white(_colour(root[name])) >= 3, name


def test_legend_dots_and_chart_rects_take_the_same_colour_of_each_status_from_the_palette() -> None:
    dots = _palette_entries("status-dot--")
    rects = _palette_entries("chart__rect--status-")
    assert set(dots) == set(rects) == STATUSES
    for status in STATUSES:
        wanted = {f"--palette: var(--status-{status})"}
        assert dots[status] == wanted, f"legend dot of {status}: {dots[status]}"
        assert rects[status] == wanted, f"chart rect of {status}: {rects[status]}"
    series_dots, series_rects = _palette_entries("series--"), _palette_entries("chart__rect--series-")
    for name in BURNUP_SERIES:
        assert series_dots[name] == series_rects[name] == {f"--palette: var(--series-{name})"}, name


def test_charts_name_palette_classes_and_write_no_colour_of_their_own() -> None:
    """Every status drawn, every series drawn: each rect's palette class has its rule in app.css, and no rect
    carries a colour or a style attribute (the strict CSP refuses those)."""
    kompetenz = SimpleNamespace(
        code="K1", name="Eine Kompetenz", ka_total=len(STATUSES), **{f"ka_{s}": 1 for s in STATUSES}
    )
    points = [BurnupPoint(label="T1", planned=3, decided=3, running=2, done=1)]
    drawn = str(svg(stacked_status_bars([cast(Any, kompetenz)]), chart_id="s", title="t", desc="d")) + str(
        svg(burnup_chart(points), chart_id="b", title="t", desc="d")
    )
    used = set(re.findall(r"chart__rect--((?:status|series)-[\w-]+)", drawn))
    assert used == {f"status-{s}" for s in STATUSES} | {f"series-{s}" for s in BURNUP_SERIES}
    defined = {f"status-{s}" for s in _palette_entries("chart__rect--status-")} | {
        f"series-{s}" for s in _palette_entries("chart__rect--series-")
    }
    assert used <= defined
    assert " fill=" not in drawn and "style" not in drawn and not HEX.search(drawn)
    assert not HEX.search((Path(__file__).resolve().parents[2] / "governance" / "charts.py").read_text())
