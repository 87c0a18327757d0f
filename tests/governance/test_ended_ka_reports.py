"""An ended KA (umgesetzt, eingestellt, überführt) owes no report: not on the reports page, not in "Meine
Aufgaben", not under "Ihre nächsten Schritte" on the KA page, and the sweep neither schedules one nor
reminds of one. The report it still owed entfällt in the transition's own transaction, with an audit event."""

import importlib
import io
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from governance.models import (
    AuditEvent,
    KaStatus,
    Kernaktivitaet,
    Kompetenz,
    Statusbericht,
    StatusberichtState,
)
from notifications.rules import BERLIN
from notifications.sweep import deadlines_write
from outbox.models import OutboxMessage
from tests.people import People, client_for, make_ka
from workflow import services
from workflow.reports.services import statusberichte_schedule_run
from workflow.rights import Action

ENDINGS = ("done", "stopped", "merged")


@pytest.fixture(autouse=True)
def plain_http(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def world(people: People) -> dict[str, Any]:
    kompetenz = Kompetenz.objects.create(key="ende", code="END", name="Endkompetenz", position=91)
    return {
        "ka": make_ka(kompetenz, "END-01", titel="Endende KA", lead=people.pg),
        "target": make_ka(kompetenz, "END-02", titel="Aufnehmende KA"),
        "pg": people.pg,
        "zirkel": people.zirkel,
        "vorstand": people.vorstand,
    }


def _open_task(ka: Kernaktivitaet) -> Task:
    return Task.objects.get(
        process__kaprocess__kernaktivitaet=ka,
        flow_task_type="HUMAN",
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    )


def end(world: dict[str, Any], how: str) -> None:
    """Take the KA through the real decision process to its end."""
    ka, pg = world["ka"], world["pg"]
    if how == "done":
        services.kernaktivitaet_propose_completion(actor=pg, kernaktivitaet=ka, reason="Ziele erreicht")
        task = _open_task(ka)
        services.task_decide(actor=world["zirkel"], task_id=task.pk, action=Action.CONFIRM_COMPLETION)
    elif how == "stopped":
        services.kernaktivitaet_propose_stop(actor=pg, kernaktivitaet=ka, reason="Förderung entfallen")
        services.task_decide(
            actor=world["vorstand"], task_id=_open_task(ka).pk, action=Action.BOARD_STOP, reason="Kein Geld"
        )
    else:
        services.kernaktivitaet_propose_stop(
            actor=pg, kernaktivitaet=ka, reason="Gehört zusammen", merge_target=world["target"]
        )
        services.task_decide(
            actor=world["vorstand"], task_id=_open_task(ka).pk, action=Action.BOARD_MERGE, reason="Bündeln"
        )
    ka.refresh_from_db()
    assert ka.status == how


def owed_nowhere(world: dict[str, Any], bericht: Statusbericht) -> None:
    pg, ka = world["pg"], world["ka"]
    client = client_for(pg)
    link = f"/berichte/{bericht.pk}/"
    berichte = client.get("/berichte/")
    assert berichte.status_code == 200
    assert link not in berichte.content.decode()
    inbox = client.get("/aufgaben/")
    assert inbox.status_code == 200
    assert link not in inbox.content.decode()
    page = client.get(f"/kernaktivitaeten/{ka.code}/")
    assert page.status_code == 200
    assert link not in page.content.decode()
    assert "Sachstandsbericht einreichen" not in page.content.decode()


@pytest.mark.parametrize("how", ENDINGS)
def test_an_ended_ka_owes_no_report_on_any_page(world: dict[str, Any], how: str) -> None:
    bericht = Statusbericht.objects.create(kernaktivitaet=world["ka"], faellig_am=timezone.localdate())
    assert f"/berichte/{bericht.pk}/" in client_for(world["pg"]).get("/berichte/").content.decode()

    end(world, how)

    bericht.refresh_from_db()
    assert bericht.state == StatusberichtState.CANCELLED
    event = AuditEvent.objects.get(kernaktivitaet=world["ka"], action="statusbericht_cancelled")
    assert event.data["statusbericht"] == bericht.pk
    assert "entfällt" in event.reason
    owed_nowhere(world, bericht)
    page = client_for(world["pg"]).get(f"/berichte/{bericht.pk}/")
    assert page.status_code == 200
    assert "Bericht einreichen" not in page.content.decode()
    assert "entfällt" in page.content.decode()


@pytest.mark.parametrize("how", ENDINGS)
def test_a_returned_report_of_an_ended_ka_is_closed_and_keeps_its_reason(
    world: dict[str, Any], how: str
) -> None:
    bericht = Statusbericht.objects.create(
        kernaktivitaet=world["ka"],
        faellig_am=timezone.localdate() - timedelta(days=30),
        state=StatusberichtState.RETURNED,
        rueckgabegrund="Budget fehlt",
        nachreichen_bis=timezone.localdate() - timedelta(days=5),
        runde=1,
    )
    end(world, how)
    bericht.refresh_from_db()
    assert bericht.state == StatusberichtState.CANCELLED
    assert bericht.rueckgabegrund == "Budget fehlt"
    owed_nowhere(world, bericht)


@pytest.mark.parametrize("how", ENDINGS)
def test_an_accepted_report_stays_accepted_when_the_ka_ends(world: dict[str, Any], how: str) -> None:
    bericht = Statusbericht.objects.create(
        kernaktivitaet=world["ka"], faellig_am=date(2026, 6, 1), state=StatusberichtState.ACCEPTED
    )
    end(world, how)
    bericht.refresh_from_db()
    assert bericht.state == StatusberichtState.ACCEPTED


@pytest.mark.parametrize("how", ENDINGS)
def test_the_sweep_neither_schedules_nor_reminds_for_an_ended_ka(world: dict[str, Any], how: str) -> None:
    overdue = Statusbericht.objects.create(
        kernaktivitaet=world["ka"], faellig_am=timezone.localdate() - timedelta(days=9)
    )
    end(world, how)
    assert world["ka"].pk not in statusberichte_schedule_run().scheduled_ids
    morning = datetime.combine(timezone.localdate(), time(9, 0), tzinfo=BERLIN)
    for day in range(0, 40, 3):
        deadlines_write(now=morning + timedelta(days=day))
    reminders = OutboxMessage.objects.filter(template="bericht_erinnerung")
    assert not [row for row in reminders if row.context.get("statusbericht") == overdue.pk]
    assert not Statusbericht.objects.filter(
        kernaktivitaet=world["ka"], state__in=[StatusberichtState.DUE, StatusberichtState.RETURNED]
    ).exists()


@pytest.mark.parametrize("how", ENDINGS)
def test_the_data_migration_closes_reports_ended_ka_still_owe(world: dict[str, Any], how: str) -> None:
    """Data from before the fix: the KA ended while its report stayed open."""
    ka = world["ka"]
    Kernaktivitaet.objects.filter(pk=ka.pk).update(
        status=how, ueberfuehrt_in=world["target"] if how == "merged" else None
    )
    owed = Statusbericht.objects.create(kernaktivitaet=ka, faellig_am=date(2026, 6, 1))
    accepted = Statusbericht.objects.create(
        kernaktivitaet=ka, faellig_am=date(2025, 12, 1), state=StatusberichtState.ACCEPTED
    )
    running = Statusbericht.objects.create(kernaktivitaet=world["target"], faellig_am=date(2026, 6, 1))
    AuditEvent.objects.create(kernaktivitaet=ka, action="council_record", to_status=KaStatus.RUNNING)
    migration = importlib.import_module("governance.migrations.0010_ended_ka_reports_cancelled")

    migration.close_reports_of_ended_ka(apps, None)

    states = dict(Statusbericht.objects.values_list("pk", "state"))
    assert states == {
        owed.pk: StatusberichtState.CANCELLED,
        accepted.pk: StatusberichtState.ACCEPTED,
        running.pk: StatusberichtState.DUE,
    }
    event = AuditEvent.objects.get(action="statusbericht_cancelled")
    assert event.data["statusbericht"] == owed.pk
    # The event sits in the audit chain like any other: the checker finds no broken link.
    call_command("verify_audit", stdout=io.StringIO())
    owed_nowhere(world, owed)


def test_an_accepted_report_page_does_not_ask_for_it_again(world: dict[str, Any]) -> None:
    bericht = Statusbericht.objects.create(
        kernaktivitaet=world["ka"],
        faellig_am=date(2026, 6, 1),
        nachreichen_bis=date(2026, 6, 20),
        runde=1,
        state=StatusberichtState.ACCEPTED,
        text_oeffentlich="Alles im Plan",
    )
    page = client_for(world["pg"]).get(f"/berichte/{bericht.pk}/").content.decode()
    assert "nachzureichen bis" not in page
    assert "angenommen" in page


def test_the_list_says_faellig_only_when_the_report_is_due_soon(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    later = Statusbericht.objects.create(kernaktivitaet=world["ka"], faellig_am=today + timedelta(days=180))
    page = client_for(world["pg"]).get("/berichte/").content.decode()
    row = page[page.index(f"/berichte/{later.pk}/") :]
    row = row[: row.index("</tr>")]
    assert "fällig am" in row
    assert ">fällig<" not in row.replace(" ", "")
    assert "überfällig" not in row

    Statusbericht.objects.filter(pk=later.pk).update(faellig_am=today + timedelta(days=3))
    page = client_for(world["pg"]).get("/berichte/").content.decode()
    row = page[page.index(f"/berichte/{later.pk}/") :]
    row = row[: row.index("</tr>")]
    assert "fällig am" not in row
    assert "fällig" in row

    Statusbericht.objects.filter(pk=later.pk).update(faellig_am=today - timedelta(days=3))
    page = client_for(world["pg"]).get("/berichte/").content.decode()
    row = page[page.index(f"/berichte/{later.pk}/") :]
    row = row[: row.index("</tr>")]
    assert "überfällig" in row
