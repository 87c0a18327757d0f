"""Absolute deep links for mails (settings.SITE_URL + the page's path)."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _first(candidates: list[tuple[str, list[object]]]) -> str:
    for name, args in candidates:
        try:
            return absolute(reverse(name, args=args))
        except NoReverseMatch:
            continue
    return absolute("/")


def statusbericht_url(pk: int, ka_code: str) -> str:
    """The report form; the admin page of the report where the form is not installed."""
    return _first(
        [
            ("workflow:statusbericht", [pk]),
            ("governance:ka_detail", [ka_code]),
            ("admin:governance_statusbericht_change", [pk]),
        ]
    )


def kernaktivitaet_url(code: str, pk: int) -> str:
    return _first(
        [
            ("governance:ka_detail", [code]),
            ("admin:governance_kernaktivitaet_change", [pk]),
        ]
    )


def proposal_url(pk: int) -> str:
    return _first([("workflow:proposal_edit", [pk]), ("workflow:inbox", [])])


def task_url(task_id: int) -> str:
    return _first([("workflow:task", [task_id]), ("workflow:inbox", [])])


def preferences_url() -> str:
    return _first([("notifications:preferences", [])])


def inbox_url() -> str:
    return _first([("workflow:inbox", [])])
