"""The start page, the overview and the dashboard agree on every count (issue 11, point 8): each table's rows
add up to its totals, both pages show the same numbers, and each number is what the overview lists for that
Kompetenz and status, for the public and for a signed-in reader."""

from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from governance.models import KaStatus, Kernaktivitaet, Kompetenz
from tests.people import People, client_for, make_ka

pytestmark = pytest.mark.usefixtures("plain_http_pages")


class TableReader(HTMLParser):
    """The cells of the table whose caption contains ``caption``: header row, body rows, foot row."""

    def __init__(self, caption: str) -> None:
        super().__init__()
        self.caption, self.text, self.cell = caption, "", False
        self.tables: list[list[list[str]]] = []
        self.current: list[list[str]] = []
        self.in_caption = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "table":
            self.current, self.text = [], ""
        elif tag == "caption":
            self.in_caption, self.text = True, ""
        elif tag == "tr":
            self.current.append([])
        elif tag in ("td", "th"):
            self.cell, self.text = True, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self.in_caption = False
            self.current_caption = self.text.strip()
        elif tag in ("td", "th") and self.cell:
            self.current[-1].append(" ".join(self.text.split()))
            self.cell = False
        elif tag == "table" and self.caption in getattr(self, "current_caption", ""):
            self.tables.append(self.current)

    def handle_data(self, data: str) -> None:
        self.text += data


def status_table(html: str, caption: str) -> tuple[list[str], dict[str, list[int]], list[int]]:
    reader = TableReader(caption)
    reader.feed(html)
    assert len(reader.tables) == 1, f"one table captioned {caption!r}"
    header, *body, foot = reader.tables[0]
    assert foot[0] in ("Summe", "Total")
    rows = {row[0]: [int(cell) for cell in row[1:]] for row in body}
    return header[1:], rows, [int(cell) for cell in foot[1:]]


def assert_adds_up(rows: dict[str, list[int]], foot: list[int]) -> None:
    for name, counts in rows.items():
        assert sum(counts[:-1]) == counts[-1], f"row {name} adds up to its total"
    for column, total in enumerate(foot):
        assert sum(counts[column] for counts in rows.values()) == total, f"column {column} adds up"


def overview_count(client: Client, **query: str) -> int:
    response = client.get("/kernaktivitaeten/", query)
    assert response.status_code == 200
    return response.context["page"].paginator.count


def check_pages_agree(client: Client) -> None:
    home = status_table(client.get("/").content.decode(), "nach Kompetenz und Status")
    dashboard = status_table(client.get("/dashboard/").content.decode(), "je Kompetenz und Status")
    assert home == dashboard
    header, rows, foot = home
    assert_adds_up(rows, foot)
    assert foot[-1] == overview_count(client)
    labels = {str(status.label): status for status in KaStatus}
    kompetenzen = {k.name: k for k in Kompetenz.objects.all()}
    for column, label in enumerate(header[:-1]):
        status = labels[label]
        assert foot[column] == overview_count(client, status=status.value)
        for name, counts in rows.items():
            expected = overview_count(client, status=status.value, kompetenz=str(kompetenzen[name].pk))
            assert counts[column] == expected, (name, label)


@pytest.fixture
def mixed(strategy: None, people: People) -> None:
    """The shipped strategy plus KA in preparation, a rejected proposal and one of a project group."""
    kompetenz = Kernaktivitaet.objects.order_by("code").first().kompetenz  # type: ignore[union-attr]
    for number, state in enumerate(
        (KaStatus.PROPOSED, KaStatus.ZIRKEL_REVIEW, KaStatus.BOARD_DECISION, KaStatus.REJECTED)
    ):
        make_ka(kompetenz, f"{kompetenz.code}-V9{number}", status=state)
    make_ka(kompetenz, f"{kompetenz.code}-V95", status=KaStatus.PROPOSED, lead=people.pg)


def test_public_pages_agree_and_add_up(mixed: None) -> None:
    client = Client()
    check_pages_agree(client)
    header = status_table(client.get("/").content.decode(), "nach Kompetenz und Status")[0]
    # The public gets no column for a state it can never see.
    assert str(KaStatus.PROPOSED.label) not in header
    assert str(KaStatus.BOARD_DECISION.label) not in header


@pytest.mark.parametrize("who", ["beirat", "pg", "zirkel"])
def test_signed_in_readers_pages_agree_and_add_up(mixed: None, people: People, who: str) -> None:
    client = client_for(getattr(people, who))
    check_pages_agree(client)
    header, _rows, foot = status_table(client.get("/").content.decode(), "nach Kompetenz und Status")
    assert foot[-1] > overview_count(Client())  # they see more than the public
    assert str(KaStatus.PROPOSED.label) in header


@pytest.mark.parametrize("language", ["de", "en"])
def test_start_page_and_dashboard_totals_match_in_both_languages(mixed: None, language: str) -> None:
    client = Client(headers={"accept-language": language})
    home = client.get("/").content.decode()
    caption = "nach Kompetenz und Status" if language == "de" else "by"
    total = status_table(home, caption)[2][-1]
    assert total == overview_count(client)
