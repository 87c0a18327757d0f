"""Labels and layout (issue 11, point 9): navigation words, English dates in British/ISO style with a
24-hour clock, whole names in the charts, a favicon that answers."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import formats, timezone, translation

from governance.charts import stacked_status_bars, strategy_map_chart, svg
from governance.models import Kompetenz
from governance.selectors import kompetenz_list_with_status_counts, strategy_map

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_http_pages")]


def test_navigation_says_startseite_and_dashboard() -> None:
    body = Client().get("/").content.decode()
    nav = body.split('aria-label="Hauptnavigation"', 1)[1].split("</nav>", 1)[0]
    assert ">Startseite</a>" in nav
    assert ">Dashboard</a>" in nav
    for word in ("Anfang", "Übersichtsseite", ">Start<"):
        assert word not in body


def test_english_formats_are_british_with_a_24_hour_clock() -> None:
    moment = timezone.make_aware(dt.datetime(2026, 12, 1, 15, 5))
    with translation.override("en"):
        assert formats.date_format(moment.date(), "DATE_FORMAT") == "1 December 2026"
        assert formats.date_format(moment.date(), "SHORT_DATE_FORMAT") == "01/12/2026"
        assert formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") == "1 December 2026, 15:05"
        assert formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") == "01/12/2026 15:05"
        assert formats.time_format(timezone.localtime(moment).time(), "TIME_FORMAT") == "15:05"
    with translation.override("de"):
        assert formats.date_format(moment.date(), "DATE_FORMAT") == "1. Dezember 2026"


def test_an_english_page_shows_a_british_date(strategy: None) -> None:
    with time_machine.travel(dt.datetime(2026, 12, 1, 15, 5, tzinfo=dt.UTC), tick=False):
        english = Client(headers={"accept-language": "en"}).get("/dashboard/").content.decode()
        german = Client(headers={"accept-language": "de"}).get("/dashboard/").content.decode()
    assert "1 December 2026" in english
    for american in ("12/01/2026", "Dec. 1, 2026", "December 1, 2026", "a.m.", "p.m."):
        assert american not in english
    assert "1. Dezember 2026" in german


def test_favicon_linked_and_answering() -> None:
    body = Client().get("/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg" type="image/svg+xml"' in body
    assert 'rel="icon" href="/static/favicon.ico"' in body
    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.ico"


def test_favicon_files_are_an_svg_and_an_icon() -> None:
    from django.conf import settings

    static = settings.BASE_DIR / "static"
    assert (static / "favicon.svg").read_text().startswith("<svg")
    icon = (static / "favicon.ico").read_bytes()
    assert icon[:4] == b"\x00\x00\x01\x00"  # ICO header, one image


LONG_NAME = "Vorreiterin einer außerordentlich nachhaltigen und digitalen Stadtgesellschaft im Ruhrgebiet"


def test_bar_chart_shows_the_whole_kompetenz_name_in_lines_with_a_title() -> None:
    Kompetenz.objects.create(key="lang", code="LAN", name=LONG_NAME, position=1)
    chart = svg(
        stacked_status_bars(list(kompetenz_list_with_status_counts())), chart_id="c", title="t", desc="d"
    )
    assert f"<title>LAN {LONG_NAME}</title>" in chart
    assert chart.count("<tspan") >= 3
    words = " ".join(part.split(">", 1)[1] for part in chart.split("<tspan")[1:]).replace("</tspan>", " ")
    assert " ".join(words.split()).startswith(" ".join(LONG_NAME.split()[:2]))
    for word in LONG_NAME.split():
        assert word in chart


def test_strategy_map_labels_each_kompetenz_with_its_whole_name(strategy: None) -> None:
    chart = svg(strategy_map_chart(strategy_map()), chart_id="m", title="t", desc="d")
    for kompetenz in Kompetenz.objects.all():
        assert f"<title>{kompetenz.code} {kompetenz.name}</title>" in chart
    assert "<title>ohne Schwerpunkt</title>" in chart
