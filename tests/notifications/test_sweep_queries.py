import itertools
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import KaStatus, Kernaktivitaet, Statusbericht
from notifications.sweep import deadlines_write
from outbox.models import OutboxMessage

from .conftest import morning

TODAY = date(2027, 3, 17)  # a Wednesday
_codes = itertools.count()


def _owed_reports(people, count: int) -> None:
    """``count`` running KA, each owing one report; due dates spread over 100 days around today; and the KA
    under test, running: the first sweep also schedules its first report."""
    assert people.ka.status == KaStatus.RUNNING
    kas = Kernaktivitaet.objects.bulk_create(
        [
            Kernaktivitaet(
                code=f"Q-{next(_codes):06d}",
                titel="Vorhaben",
                kompetenz=people.kompetenz,
                status=KaStatus.RUNNING,
            )
            for _ in range(count)
        ],
        batch_size=2000,
    )
    Statusbericht.objects.bulk_create(
        [
            Statusbericht(kernaktivitaet=ka, faellig_am=TODAY + timedelta(days=40 - n % 100))
            for n, ka in enumerate(kas)
        ],
        batch_size=2000,
    )


def _sweep_statements() -> tuple[int, int]:
    with time_machine.travel(morning(TODAY), tick=False), CaptureQueriesContext(connection) as queries:
        deadlines_write()
    return len(queries), OutboxMessage.objects.filter(key__startswith="bericht:").count()


@pytest.mark.parametrize("deadlines", [100, 10_000])
def test_sweep_statement_count_does_not_grow_with_deadlines(people, deadlines) -> None:
    _owed_reports(people, deadlines)
    statements, rows = _sweep_statements()
    # Each report whose distance to today lies in a rule window (-14 … open end) gets one row: 74 of 100.
    assert rows == deadlines // 100 * 74
    # settings, noted problems, settings (schedule), due reports, savepoint + insert + release of new reports,
    # rules, savepoint, 2 reminder inserts, release, digest
    assert statements == 13


def test_statement_count_is_the_same_at_100_and_10000_deadlines(people) -> None:
    _owed_reports(people, 100)
    _sweep_statements()  # the first sweep also schedules the fixture's own KA
    small, _rows = _sweep_statements()
    _owed_reports(people, 9_900)
    large, rows = _sweep_statements()
    assert (small, rows) == (large, 7_400)


def test_a_second_sweep_writes_nothing_new(people) -> None:
    _owed_reports(people, 100)
    _statements, first = _sweep_statements()
    _statements, second = _sweep_statements()
    assert first == second == 74
