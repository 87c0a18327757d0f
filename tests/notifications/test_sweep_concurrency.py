"""Issue 10 (a): one sweep at a time, and never a second open report for a KA, even from two sweeps that run
at once on both sides of midnight (due dates come from stored values only, not from each sweep's "today")."""

import threading
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection, transaction

from governance.models import Statusbericht, StatusberichtState
from notifications.rules import BERLIN
from notifications.sweep import sweep, sweep_lock
from tests.people import People, make_ka
from workflow.deadlines import add_months
from workflow.reports.services import statusberichte_schedule_run

D = date(2027, 3, 17)  # a Wednesday
KAS = 50


def _owing_today(people: People) -> list[int]:
    """KA whose previous report (accepted) was due one period before D: the next is due on D itself when
    computed on D, and one period later when computed on D + 1."""
    ids = []
    for _ in range(KAS):
        ka = make_ka(people.kompetenz, members=(people.pg,))
        previous = add_months(D, -6)
        assert previous is not None
        Statusbericht.objects.create(
            kernaktivitaet=ka, faellig_am=previous, state=StatusberichtState.ACCEPTED
        )
        ids.append(ka.pk)
    return ids


def _open_reports_per_ka(ids: list[int]) -> dict[int, int]:
    counts = dict.fromkeys(ids, 0)
    for ka_id in Statusbericht.objects.filter(
        kernaktivitaet_id__in=ids, state__in=[StatusberichtState.DUE, StatusberichtState.RETURNED]
    ).values_list("kernaktivitaet_id", flat=True):
        counts[ka_id] += 1
    return counts


@pytest.mark.postgres
def test_two_schedules_across_midnight_write_one_open_report_per_ka(people_live) -> None:
    """Without the sweep lock (two processes that both got past it, or an old sweep still running): the
    second reads the KA as owing nothing while the first has not committed; both compute D whatever their
    "today", and the unique (KA, due date) lets one row in."""
    ids = _owing_today(people_live)
    first_inserted = threading.Event()
    errors: list[BaseException] = []

    def before_midnight() -> None:
        try:
            with transaction.atomic():
                statusberichte_schedule_run(today=D)
                first_inserted.set()
                threading.Event().wait(1.0)  # the second schedule runs into our uncommitted rows
        except BaseException as exc:
            errors.append(exc)
        finally:
            first_inserted.set()
            connection.close()

    def after_midnight() -> None:
        try:
            first_inserted.wait(30)
            statusberichte_schedule_run(today=D + timedelta(days=1))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=before_midnight), threading.Thread(target=after_midnight)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert set(_open_reports_per_ka(ids).values()) == {1}
    assert set(
        Statusbericht.objects.filter(kernaktivitaet_id__in=ids, state=StatusberichtState.DUE).values_list(
            "faellig_am", flat=True
        )
    ) == {D}


def test_two_sweeps_released_at_once_across_midnight_leave_one_open_report_per_ka(people_live) -> None:
    ids = _owing_today(people_live)
    barrier = threading.Barrier(2)
    results: list[object] = []
    errors: list[BaseException] = []

    def run(now: datetime) -> None:
        try:
            barrier.wait(10)
            results.append(sweep(now=now))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    moments = [
        datetime.combine(D, time(23, 59, 59), tzinfo=BERLIN),
        datetime.combine(D + timedelta(days=1), time(0, 0, 1), tzinfo=BERLIN),
    ]
    threads = [threading.Thread(target=run, args=(moment,)) for moment in moments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert len(results) == 2
    assert set(_open_reports_per_ka(ids).values()) == {1}


def test_a_second_sweep_while_one_runs_does_nothing(people_live) -> None:
    ids = _owing_today(people_live)
    outcome: list[object] = []

    def second() -> None:
        try:
            outcome.append(sweep(now=datetime.combine(D, time(9), tzinfo=BERLIN)))
        finally:
            connection.close()

    with sweep_lock() as got:
        assert got
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(60)
    assert outcome == [None]
    assert set(_open_reports_per_ka(ids).values()) == {0}
    assert sweep(now=datetime.combine(D, time(9), tzinfo=BERLIN)) is not None
    assert set(_open_reports_per_ka(ids).values()) == {1}
