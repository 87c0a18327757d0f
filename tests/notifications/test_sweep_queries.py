from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import Statusbericht
from notifications.models import OutboxMessage
from notifications.sweep import reminders_insert

from .conftest import make_ka, morning

TODAY = date(2027, 3, 17)  # a Wednesday


def _owed_reports(people, count: int) -> None:
    per_ka = 100
    rows = []
    for k in range(max(count // per_ka, 1)):
        ka = people.ka if k == 0 else make_ka(people.kompetenz)
        rows += [
            Statusbericht(kernaktivitaet=ka, faellig_am=TODAY + timedelta(days=40 - n))
            for n in range(min(per_ka, count))
        ]
    Statusbericht.objects.bulk_create(rows)


def _sweep_statements() -> tuple[int, int]:
    with time_machine.travel(morning(TODAY), tick=False), CaptureQueriesContext(connection) as queries:
        reminders_insert()
    return len(queries), OutboxMessage.objects.filter(key__startswith="bericht:").count()


@pytest.mark.parametrize("deadlines", [100, 10_000])
def test_sweep_statement_count_does_not_grow_with_deadlines(people, deadlines) -> None:
    _owed_reports(people, deadlines)
    statements, rows = _sweep_statements()
    # Each report whose distance to today lies in a rule window (-14 … open end) gets one row: 74 of 100.
    assert rows == deadlines // 100 * 74
    # settings, noted problems, due reports, savepoint + insert + release of new reports, rules, savepoint,
    # 2 reminder inserts, release, digest
    assert statements == 12


def test_statement_count_is_the_same_at_100_and_10000_deadlines(people) -> None:
    _owed_reports(people, 100)
    small, _rows = _sweep_statements()
    _owed_reports_more(people, 9_900)
    large, rows = _sweep_statements()
    assert (small, rows) == (large, 7_400)


def _owed_reports_more(people, count: int) -> None:
    rows = []
    for _k in range(count // 100):
        ka = make_ka(people.kompetenz)
        rows += [
            Statusbericht(kernaktivitaet=ka, faellig_am=TODAY + timedelta(days=40 - n)) for n in range(100)
        ]
    Statusbericht.objects.bulk_create(rows)


def test_a_second_sweep_writes_nothing_new(people) -> None:
    _owed_reports(people, 100)
    _statements, first = _sweep_statements()
    _statements, second = _sweep_statements()
    assert first == second == 74
