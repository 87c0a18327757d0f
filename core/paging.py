"""Lists a page at a time: the page number a query string asks for, and one page of a queryset with its total.

Nothing here knows the domain; the KA overview, the task lists and the report lists page through it.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet, Window

# No list of the product has this many pages; a larger number means "the last page".
PAGE_MAX = 1_000_000
# Rows per page of a list section: a queue of hundreds is paged, not rendered whole.
PAGE_SIZE = 20
# ASCII digits only: str.isdigit() and int() also accept "²", "٣" or " 7 ", which no form or link produces.
_ASCII_NUMBER = re.compile(r"[0-9]+", re.ASCII)


def ascii_number(value: str, limit: int) -> int | None:
    """The number ``value`` spells in ASCII digits, capped at ``limit + 1`` (no int() of a megabyte of
    digits); None for anything else."""
    if not _ASCII_NUMBER.fullmatch(value):
        return None
    digits = value.lstrip("0") or "0"
    return limit + 1 if len(digits) > len(str(limit)) else int(digits)


def page_number(value: Any) -> int:
    """A page number from a query string: garbage and numbers below one are the first page, numbers beyond
    any list the last possible one (the caller clamps it to the last page of its list)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number: int | None = value
    else:
        number = ascii_number(value, PAGE_MAX) if isinstance(value, str) else None
    return 1 if number is None else min(max(1, number), PAGE_MAX)


def clamp_page(number: Any, total: int, size: int) -> int:
    """A valid page number for ``total`` rows: garbage is the first page, beyond the end the last."""
    return min(page_number(number), max(1, -(-total // size)))


@dataclass
class Section:
    """One page of a list (open tasks, reports) and the size of the whole list."""

    entries: list[Any]
    total: int
    number: int = 1
    size: int | None = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size)) if self.size else 1

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def __iter__(self) -> Iterator[Any]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)


def paged(queryset: QuerySet[Any], number: Any, size: int = PAGE_SIZE, *, window: bool = False) -> Section:
    """One page of a queryset with its total.

    By default a count and the page: both cheap where an index gives the order. With ``window``, the total
    comes with the page as a window count, one pass where every row must be judged anyway (the rights on
    open tasks); a page number beyond the end then costs a count and a second pass."""
    if not window:
        total = queryset.count()
        page = clamp_page(number, total, size)
        return Section(list(queryset[(page - 1) * size : page * size]), total, page, size)
    counted = queryset.annotate(section_total=Window(Count("pk")))
    page = page_number(number)
    found = list(counted[(page - 1) * size : page * size])
    if not found and page > 1:
        page = clamp_page(page, queryset.count(), size)
        found = list(counted[(page - 1) * size : page * size])
    return Section(found, found[0].section_total if found else 0, page, size)
