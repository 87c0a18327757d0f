"""Geometry of the dashboard charts, drawn as SVG by the templates (no JavaScript; a data table beside)."""

import textwrap
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .models import Kompetenz, Querschnittsthema
from .selectors import KA_GOAL_2030, KA_STATUS_ORDER, BurnupPoint, MapRow


def status_legend() -> list[dict[str, str]]:
    return [{"value": status.value, "label": str(status.label)} for status in KA_STATUS_ORDER]


@dataclass
class Rect:
    x: float
    y: float
    width: float
    height: float
    kind: str  # "data", "cell", "empty" or "heat"
    # A data rect names its palette entry ("status-<value>", "series-<name>") as a class, and app.css fills it
    # as it fills the legend's dots: the colours have one home, and the strict CSP allows no style attribute.
    palette: str = ""
    title: str = ""
    opacity: float = 1.0


@dataclass
class Chart:
    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    texts: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)


LINE_HEIGHT = 14


def wrap_label(text: str, width: int) -> list[str]:
    """A label in lines of at most ``width`` characters, nothing cut off (a long word is split)."""
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=True) or [""]


def label(x: float, y: float, text: str, anchor: str, *, width: int = 0, title: str = "") -> dict[str, Any]:
    """A text of the chart; with ``width`` wrapped into lines (first line at ``y``), with ``title`` the full
    name for a pointer's tooltip and assistive technology."""
    lines = wrap_label(text, width) if width else [text]
    return {"x": x, "y": y, "text": text, "lines": lines, "anchor": anchor, "title": title}


def stacked_status_bars(kompetenzen: list[Kompetenz]) -> Chart:
    """One horizontal bar per Kompetenz, one segment per status; the Kompetenz's whole name beside it."""
    label_width, bar_width, top, name_chars = 250, 380, 10, 30
    names = [wrap_label(k.name, name_chars) for k in kompetenzen]
    row = max(34, LINE_HEIGHT * max((len(lines) for lines in names), default=1) + 14)
    chart = Chart(width=label_width + bar_width + 50, height=top * 2 + row * max(len(kompetenzen), 1))
    largest = max((k.ka_total for k in kompetenzen), default=0) or 1  # type: ignore[attr-defined]
    for index, kompetenz in enumerate(kompetenzen):
        y = top + index * row
        first_line = y + row / 2 + 5 - LINE_HEIGHT * (len(names[index]) - 1) / 2
        title = f"{kompetenz.code} {kompetenz.name}"
        chart.texts.append(label(0, y + row / 2 + 5, kompetenz.code, "start", title=title))
        chart.texts.append(
            label(label_width - 8, first_line, kompetenz.name, "end", width=name_chars, title=title)
        )
        x = float(label_width)
        for status in KA_STATUS_ORDER:
            count = getattr(kompetenz, f"ka_{status.value}")
            if not count:
                continue
            width = bar_width * count / largest
            chart.rects.append(
                Rect(
                    x,
                    y + 4,
                    width,
                    row - 10,
                    "data",
                    f"status-{status.value}",
                    f"{kompetenz.code} {status.label}: {count}",
                )
            )
            x += width
        chart.texts.append(
            label(x + 6, y + row / 2 + 5, str(kompetenz.ka_total), "start")  # type: ignore[attr-defined]
        )
    return chart


def strategy_map_chart(rows: list[MapRow]) -> Chart:
    """The 5×5 map: a cell per Schwerpunkt slot with a square per KA, plus a column for KA without one."""
    head, label_width, cell_w, cell_h, square, gap = 28, 56, 104, 78, 12, 3
    slots = len(rows[0].cells) if rows else 5
    chart = Chart(width=label_width + (slots + 1) * cell_w + 4, height=head + max(len(rows), 1) * cell_h + 4)
    for position in range(1, slots + 1):
        x = label_width + (position - 1) * cell_w + cell_w / 2
        chart.texts.append({"x": x, "y": 18, "text": f"S{position}", "anchor": "middle"})
    chart.texts.append(
        label(label_width + slots * cell_w + cell_w / 2, 18, "–", "middle", title=str(_("ohne Schwerpunkt")))
    )
    per_line = (cell_w - 2 * 6) // (square + gap)
    for row_index, row in enumerate(rows):
        y = head + row_index * cell_h
        chart.texts.append(
            label(
                4,
                y + cell_h / 2 + 5,
                row.kompetenz.code,
                "start",
                width=6,
                title=f"{row.kompetenz.code} {row.kompetenz.name}",
            )
        )
        columns = [(cell.schwerpunkt is None, cell) for cell in row.cells]
        columns.append((False, row.without_schwerpunkt))
        for column, (empty_slot, map_cell) in enumerate(columns):
            kas = map_cell.kernaktivitaeten
            x = label_width + column * cell_w
            chart.rects.append(Rect(x + 2, y + 2, cell_w - 4, cell_h - 4, "empty" if empty_slot else "cell"))
            if empty_slot and not kas:
                chart.texts.append(
                    {"x": x + cell_w / 2, "y": y + cell_h / 2 + 5, "text": str(_("frei")), "anchor": "middle"}
                )
            for index, ka in enumerate(kas):
                line, place = divmod(index, per_line)
                if (line + 1) * (square + gap) > cell_h - 8:
                    break
                chart.rects.append(
                    Rect(
                        x + 6 + place * (square + gap),
                        y + 6 + line * (square + gap),
                        square,
                        square,
                        "data",
                        f"status-{ka.status}",
                        f"{ka.code}: {ka.get_status_display()}",
                    )
                )
            if map_cell.more > 0:
                # More KA than squares: the cell says how many it holds in all.
                chart.texts.append(
                    {
                        "x": x + cell_w - 6,
                        "y": y + cell_h - 10,
                        "text": _("%(total)s gesamt")
                        % {"total": number_format(map_cell.total, force_grouping=True)},
                        "anchor": "end",
                    }
                )
    return chart


def tick_step(largest: int, most: int = 6) -> int:
    """A round step (1, 2, 2.5 or 5 times a power of ten, at least 1) giving at most ``most`` grid lines."""
    magnitude = 1
    while True:
        for factor in (1, 2, 2.5, 5):
            step = int(factor * magnitude)
            if step == factor * magnitude and largest / step <= most:
                return step
        magnitude *= 10


BURNUP_SERIES = ("decided", "running", "done")


def burnup_chart(points: list[BurnupPoint], goal: int = KA_GOAL_2030) -> Chart:
    """Cumulative decided, running and done KA per tranche as grouped bars against the goal line."""
    left, top, plot_h, group_w, bar_w = 44, 16, 220, 132, 30
    chart = Chart(width=left + max(len(points), 1) * group_w + 20, height=top + plot_h + 50)
    scale_max = max([goal, *(p.decided for p in points), *(p.planned for p in points)]) or 1

    def y_of(value: float) -> float:
        return top + plot_h - plot_h * value / scale_max

    for tick in range(0, scale_max + 1, tick_step(scale_max)):
        chart.lines.append(
            {"x1": left, "y1": y_of(tick), "x2": chart.width - 10, "y2": y_of(tick), "kind": "grid"}
        )
        chart.texts.append(
            {
                "x": left - 6,
                "y": y_of(tick) + 4,
                "text": number_format(tick, force_grouping=True),
                "anchor": "end",
            }
        )
    chart.lines.append(
        {"x1": left, "y1": y_of(goal), "x2": chart.width - 10, "y2": y_of(goal), "kind": "goal"}
    )
    for index, point in enumerate(points):
        x0 = left + index * group_w + 12
        for offset, name in enumerate(BURNUP_SERIES):
            value = getattr(point, name)
            chart.rects.append(
                Rect(
                    x0 + offset * (bar_w + 4),
                    y_of(value),
                    bar_w,
                    y_of(0) - y_of(value),
                    "data",
                    f"series-{name}",
                    str(value),
                )
            )
        chart.texts.append(
            label(x0 + (3 * bar_w + 8) / 2, top + plot_h + 18, point.label, "middle", width=18)
        )
    return chart


def querschnitt_heatmap(themen: list[Querschnittsthema], rows: list[tuple[Kompetenz, list[int]]]) -> Chart:
    """A grid Kompetenz × Querschnittsthema with the number of KA in each cell."""
    label_width, head, cell_w, cell_h = 56, 28, 90, 34
    chart = Chart(
        width=label_width + max(len(themen), 1) * cell_w + 4, height=head + max(len(rows), 1) * cell_h + 4
    )
    largest = max((n for _k, counts in rows for n in counts), default=0) or 1
    for column in range(len(themen)):
        chart.texts.append(
            label(
                label_width + column * cell_w + cell_w / 2,
                18,
                f"Q{column + 1}",
                "middle",
                title=themen[column].name,
            )
        )
    for row_index, (kompetenz, counts) in enumerate(rows):
        y = head + row_index * cell_h
        chart.texts.append(
            label(4, y + cell_h / 2 + 5, kompetenz.code, "start", title=f"{kompetenz.code} {kompetenz.name}")
        )
        for column, count in enumerate(counts):
            x = label_width + column * cell_w
            chart.rects.append(
                Rect(
                    x + 2,
                    y + 2,
                    cell_w - 4,
                    cell_h - 4,
                    "heat",
                    title=f"{themen[column].name}: {count}",
                    opacity=round(0.08 + 0.5 * count / largest, 2),
                )
            )
            chart.texts.append(
                {"x": x + cell_w / 2, "y": y + cell_h / 2 + 5, "text": str(count), "anchor": "middle"}
            )
    return chart


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _text_lines(text: dict[str, Any]) -> SafeString:
    """The text itself, or one <tspan> per line when it was wrapped."""
    lines = text.get("lines") or [text["text"]]
    if len(lines) == 1:
        return format_html("{}", lines[0])
    x = _number(text["x"])
    return format_html_join(
        "",
        '<tspan x="{}" dy="{}">{}</tspan>',
        ((x, "0" if index == 0 else str(LINE_HEIGHT), line) for index, line in enumerate(lines)),
    )


def svg(chart: Chart, *, chart_id: str, title: str, desc: str) -> SafeString:
    """The chart as inline SVG: an image with a title and a description (the numbers stand in a table)."""
    lines = format_html_join(
        "",
        '<line class="chart__line chart__line--{}" x1="{}" y1="{}" x2="{}" y2="{}"/>',
        (
            (line["kind"], _number(line["x1"]), _number(line["y1"]), _number(line["x2"]), _number(line["y2"]))
            for line in chart.lines
        ),
    )
    rects = format_html_join(
        "",
        '<rect class="chart__rect chart__rect--{}{}" x="{}" y="{}" width="{}" height="{}"{}>{}</rect>',
        (
            (
                rect.kind,
                format_html(" chart__rect--{}", rect.palette) if rect.palette else "",
                _number(rect.x),
                _number(rect.y),
                _number(rect.width),
                _number(rect.height),
                format_html(' fill-opacity="{}"', f"{rect.opacity:.2f}") if rect.opacity != 1.0 else "",
                format_html("<title>{}</title>", rect.title) if rect.title else "",
            )
            for rect in chart.rects
        ),
    )
    texts = format_html_join(
        "",
        '<text class="chart__text" x="{}" y="{}" text-anchor="{}">{}{}</text>',
        (
            (
                _number(t["x"]),
                _number(t["y"]),
                t["anchor"],
                format_html("<title>{}</title>", t["title"]) if t.get("title") else "",
                _text_lines(t),
            )
            for t in chart.texts
        ),
    )
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" preserveAspectRatio="xMinYMin meet" focusable="false">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{lines}{rects}{texts}</svg>',
        id=chart_id,
        w=chart.width,
        h=chart.height,
        title=title,
        desc=desc,
        lines=lines,
        rects=rects,
        texts=texts,
    )
