"""Issue 9: no stored value can break the sweep. A KA whose data makes its deadline computation or its rows
fail is noted for the admin (``SweepProblem``) and every other KA still gets its report and its reminders."""

import importlib
import importlib.util
from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection

from governance.models import Kernaktivitaet, Statusbericht
from notifications.emails import build_message
from notifications.models import SweepProblem
from notifications.sweep import deadlines_write
from outbox import delivery
from outbox.models import OutboxMessage, OutboxState
from tests.people import make_ka, make_report
from workflow.reports.services import statusberichte_schedule_run

from .conftest import morning

DAY = date(2027, 3, 18)  # a Thursday, no holiday


@pytest.fixture
def admin_client_logged_in(client, db, settings):
    """The admin site as a superuser (with the second factor where the admin asks for one)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    admin = get_user_model().objects.create_superuser("admin", "admin@bochum.example", "x")
    client.force_login(admin)
    if importlib.util.find_spec("tests.otp") is not None:
        importlib.import_module("tests.otp").verify_second_factor(client, admin, secure=True)
    return client


def _deliver_all(day: date) -> list[str]:
    """Deliver every waiting row as a worker would; the subjects of the mails that went out."""
    with time_machine.travel(morning(day, 9), tick=False):
        for pk in OutboxMessage.objects.filter(state=OutboxState.PENDING).values_list("pk", flat=True):
            delivery.deliver(pk, builder=build_message)
    return [str(m.subject) for m in mail.outbox]


def _refuse_inserts(name: str, table: str, condition: str) -> None:
    """A database trigger that refuses certain rows: a failure induced for one KA from outside the code."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF {condition} THEN RAISE EXCEPTION 'induced failure for this KA'; END IF; "
                "RETURN NEW; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW WHEN {condition} "
                "BEGIN SELECT RAISE(ABORT, 'induced failure for this KA'); END"
            )


def test_sweep_with_a_ka_starting_9999_12_31_schedules_and_reminds_everyone_else(
    people, admin_client_logged_in
) -> None:
    poisoned = make_ka(people.kompetenz, members=(people.pg,))
    Kernaktivitaet.objects.filter(pk=poisoned.pk).update(geplanter_start=date(9999, 12, 31))
    fresh = make_ka(people.kompetenz, members=(people.pg,))
    Kernaktivitaet.objects.filter(pk=fresh.pk).update(geplanter_start=date(2026, 12, 1))
    overdue = make_report(people.ka, DAY - timedelta(days=1))

    with time_machine.travel(morning(DAY), tick=False):
        created, _reminders, _digests = deadlines_write()

    assert not poisoned.statusberichte.exists()
    assert list(fresh.statusberichte.values_list("faellig_am", flat=True)) == [date(2027, 6, 1)]
    assert created == 1  # (SQLite reports no row count for INSERT … WITH: the rows are counted below)
    subjects = _deliver_all(DAY)
    assert f"{people.ka.code}: Der Sachstandsbericht war am 17. März 2027 fällig und fehlt noch" in subjects
    assert OutboxMessage.objects.get(key__startswith=f"bericht:{overdue.pk}:").state == OutboxState.SENT

    (problem,) = SweepProblem.objects.all()
    assert (problem.stage, problem.kernaktivitaet_id) == ("schedule", poisoned.pk)
    assert "9999" in problem.message
    page = admin_client_logged_in.get("/admin/notifications/sweepproblem/", secure=True)
    assert page.status_code == 200
    assert poisoned.code in page.content.decode() and "geplanten Start" in page.content.decode()

    # The admin corrects the start; the next sweep schedules the report and the note goes away.
    Kernaktivitaet.objects.filter(pk=poisoned.pk).update(geplanter_start=date(2027, 1, 10))
    with time_machine.travel(morning(DAY + timedelta(days=1)), tick=False):
        deadlines_write()
    assert poisoned.statusberichte.count() == 1
    assert not SweepProblem.objects.exists()


def test_a_repeated_problem_is_one_note_counting_the_sweeps(people) -> None:
    poisoned = make_ka(people.kompetenz)
    Kernaktivitaet.objects.filter(pk=poisoned.pk).update(geplanter_start=date(9999, 12, 31))
    for day in (DAY, DAY + timedelta(days=1)):
        with time_machine.travel(morning(day), tick=False):
            deadlines_write()
    (problem,) = SweepProblem.objects.all()
    assert problem.occurrences == 2


def test_sweep_with_a_ka_whose_rows_the_database_refuses_still_serves_all_others(people) -> None:
    """Two induced per-KA failures: one KA's new report and another KA's reminder rows are refused by the
    database. Both are noted; every other KA gets its report and its reminders, and the mails go out."""
    refused_report_ka = make_ka(people.kompetenz, members=(people.pg,))
    Kernaktivitaet.objects.filter(pk=refused_report_ka.pk).update(geplanter_start=date(2026, 12, 1))
    fresh = make_ka(people.kompetenz, members=(people.pg,))
    Kernaktivitaet.objects.filter(pk=fresh.pk).update(geplanter_start=date(2026, 12, 2))
    refused_mail_ka = make_ka(people.kompetenz, members=(people.pg,))
    refused_mail = make_report(refused_mail_ka, DAY - timedelta(days=1))
    good = make_report(people.ka, DAY - timedelta(days=1))
    _refuse_inserts(
        "refuse_report_for_one_ka",
        Statusbericht._meta.db_table,
        f"NEW.kernaktivitaet_id = {refused_report_ka.pk}",
    )
    _refuse_inserts(
        "refuse_mail_for_one_ka",
        OutboxMessage._meta.db_table,
        f"NEW.key LIKE 'bericht:{refused_mail.pk}:%'",
    )

    with time_machine.travel(morning(DAY), tick=False):
        created, _reminders, _digests = deadlines_write()

    assert not refused_report_ka.statusberichte.exists()
    assert fresh.statusberichte.count() == 1
    assert created == 1
    assert OutboxMessage.objects.filter(key__startswith=f"bericht:{good.pk}:0:bericht-ueberfaellig:").exists()
    assert not OutboxMessage.objects.filter(key__startswith=f"bericht:{refused_mail.pk}:").exists()
    notes = set(SweepProblem.objects.values_list("stage", "kernaktivitaet_id"))
    assert notes == {("schedule", refused_report_ka.pk), ("reminders", refused_mail_ka.pk)}
    subjects = _deliver_all(DAY)
    assert f"{people.ka.code}: Der Sachstandsbericht war am 17. März 2027 fällig und fehlt noch" in subjects
    assert not any(refused_mail_ka.code in s for s in subjects)


def test_schedule_run_returns_the_problem_instead_of_raising(people) -> None:
    Kernaktivitaet.objects.filter(pk=people.ka.pk).update(
        geplanter_start=date(9999, 6, 1), berichtsintervall_monate=24
    )
    result = statusberichte_schedule_run(today=DAY)
    assert result.created == 0
    assert [p.kernaktivitaet_id for p in result.problems] == [people.ka.pk]
