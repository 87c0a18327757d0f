"""Paging: the page a query string asks for, read strictly and clamped, and one page of a queryset with its
total, counted or windowed."""

from typing import Any

import pytest
from django.contrib.auth.models import Group

from core.paging import PAGE_MAX, Section, clamp_page, page_number, paged


@pytest.mark.parametrize(
    ("value", "page"),
    [
        *[("1", 1), ("7", 7), ("0007", 7), ("-1", 1), ("0", 1), ("abc", 1), ("²", 1), ("٣", 1), (" 7", 1)],
        *[("9223372036854775808", PAGE_MAX), ("9" * 5000, PAGE_MAX), (None, 1), (3, 3)],
    ],
)
def test_page_number_is_read_in_ascii_digits_and_clamped(value: Any, page: int) -> None:
    assert page_number(value) == page


@pytest.mark.parametrize(("asked", "page"), [("1", 1), ("3", 3), ("4", 3), ("0", 1), ("x", 1), (None, 1)])
def test_clamp_page_keeps_the_number_within_the_list(asked: Any, page: int) -> None:
    assert clamp_page(asked, total=41, size=20) == page


def test_an_empty_list_has_one_page_without_a_neighbour() -> None:
    section = Section([], total=0)
    assert (section.pages, section.has_previous, section.has_next, bool(section)) == (1, False, False, False)


@pytest.mark.django_db
@pytest.mark.parametrize("window", [False, True])
@pytest.mark.parametrize(("asked", "number", "names"), [("2", 2, ["g2", "g3"]), ("99", 2, ["g2", "g3"])])
def test_paged_reads_one_page_and_the_total(window: bool, asked: str, number: int, names: list[str]) -> None:
    Group.objects.bulk_create(Group(name=f"g{n}") for n in range(4))
    section = paged(Group.objects.filter(name__startswith="g").order_by("name"), asked, size=2, window=window)
    assert ([group.name for group in section], section.total, section.number) == (names, 4, number)
    assert section.has_previous and not section.has_next
