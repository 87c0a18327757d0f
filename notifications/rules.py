"""Reminder rules and working days.

A rule fires for a deadline on the first working day (Monday to Friday, no public holiday in North
Rhine-Westphalia) on or after ``deadline + offset``, in the morning Europe/Berlin, and only once per
occurrence. The sweep asks, for *today*, which deadlines each rule fires for: those whose distance
``today - deadline`` (in days) lies in the rule's window ``[offset, next offset)``. A window that starts on a
weekend or holiday is thus served on the next working day; a rule superseded by the next one (e.g. the
14-day reminder of a report created three days before its due date) does not fire late.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone

from .models import ReminderRule, RuleKind

BERLIN = ZoneInfo("Europe/Berlin")

# The defaults of DESIGN §5; a data migration writes them, the admin may change them.
DEFAULT_RULES: tuple[dict[str, object], ...] = (
    {
        "key": "bericht-vorab-14",
        "kind": RuleKind.REPORT,
        "name": "Sachstandsbericht: Erinnerung 14 Tage vorher",
        "offset_tage": -14,
        "an": "projektgruppe",
        "pflicht": False,
    },
    {
        "key": "bericht-vorab-3",
        "kind": RuleKind.REPORT,
        "name": "Sachstandsbericht: Erinnerung 3 Tage vorher",
        "offset_tage": -3,
        "an": "projektgruppe",
        "pflicht": False,
    },
    {
        "key": "bericht-ueberfaellig",
        "kind": RuleKind.REPORT,
        "name": "Sachstandsbericht: überfällig (Tag danach)",
        "offset_tage": 1,
        "an": "projektgruppe",
    },
    {
        "key": "bericht-ueberfaellig-kopie",
        "kind": RuleKind.REPORT,
        "name": "Sachstandsbericht: überfällig, Kompetenzverantwortliche in Kopie",
        "offset_tage": 8,
        "an": "projektgruppe",
        "kopie_kompetenz": True,
    },
    {
        "key": "bericht-eskalation",
        "kind": RuleKind.REPORT,
        "name": "Sachstandsbericht: Eskalation an den Strategiezirkel",
        "offset_tage": 15,
        "an": "strategiezirkel",
        "kopie_kompetenz": True,
    },
    {
        "key": "bericht-woechentlich",
        "kind": RuleKind.REPORT,
        "name": "Sachstandsbericht: wöchentlich bis zum Eingang",
        "offset_tage": 22,
        "wiederholen_tage": 7,
        "an": "projektgruppe",
        "kopie_kompetenz": True,
        "kopie_strategiezirkel": True,
    },
    {
        "key": "entscheidung-ueberfaellig",
        "kind": RuleKind.DECISION,
        "name": "Entscheidung: Frist überschritten",
        "offset_tage": 1,
        "an": "zustaendig",
    },
    {
        "key": "entscheidung-eskalation",
        "kind": RuleKind.DECISION,
        "name": "Entscheidung: Eskalation an den Strategiezirkel",
        "offset_tage": 8,
        "an": "zustaendig",
        "kopie_strategiezirkel": True,
    },
    {
        "key": "entscheidung-woechentlich",
        "kind": RuleKind.DECISION,
        "name": "Entscheidung: wöchentlich bis zur Entscheidung",
        "offset_tage": 15,
        "wiederholen_tage": 7,
        "an": "zustaendig",
        "kopie_strategiezirkel": True,
    },
)


@lru_cache(maxsize=8)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.Germany(subdiv="NW", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def next_working_day(day: date) -> date:
    """``day`` itself when it is a working day, else the next one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def local_now() -> datetime:
    return timezone.now().astimezone(BERLIN)


def local_today() -> date:
    return local_now().date()


def sending_time(now: datetime, send_hour: int) -> bool:
    """Reminders go out on working days from ``send_hour`` o'clock Europe/Berlin."""
    local = now.astimezone(BERLIN)
    return is_working_day(local.date()) and local.hour >= send_hour


@dataclass(frozen=True)
class RuleWindow:
    """Rule ``rule`` fires for deadlines with ``low <= today - deadline < high``; a repeating rule's
    occurrence is ``(today - deadline - low) // repeat``."""

    rule: ReminderRule
    low: int
    high: int | None
    repeat: int


def rule_windows(rules: list[ReminderRule]) -> list[RuleWindow]:
    """The windows of the active rules of one kind, in order of their offsets."""
    active = sorted((r for r in rules if r.aktiv), key=lambda r: r.offset_tage)
    windows = []
    for index, rule in enumerate(active):
        if rule.wiederholen_tage:
            windows.append(RuleWindow(rule, rule.offset_tage, None, rule.wiederholen_tage))
            break  # a repeating rule runs until the deadline is met; later rules would never fire
        following = active[index + 1].offset_tage if index + 1 < len(active) else rule.offset_tage + 7
        windows.append(RuleWindow(rule, rule.offset_tage, following, 0))
    return windows


def fire_date(deadline: date, window: RuleWindow, occurrence: int = 0) -> date:
    """The working day on which ``window`` fires for ``deadline`` (used for subjects and tests)."""
    return next_working_day(deadline + timedelta(days=window.low + occurrence * window.repeat))


def default_rules_install() -> int:
    """Create the default rules that are missing (by key); existing rules keep their admin settings."""
    created = 0
    for rule in DEFAULT_RULES:
        values = {k: v for k, v in rule.items() if k != "key"}
        _rule, was_created = ReminderRule.objects.get_or_create(key=rule["key"], defaults=values)
        created += was_created
    return created
