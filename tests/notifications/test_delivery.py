import socket
from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from notifications.emails import build_message
from notifications.models import NotificationPreference
from notifications.sweep import deadlines_write
from outbox import delivery
from outbox.models import OutboxMessage, OutboxState
from tests.people import GOOD_REPORT, make_report, make_user
from workflow.models import DeadlineSettings, Vertretung
from workflow.reports.services import statusbericht_submit

from .conftest import morning

DUE = date(2027, 3, 17)


def write_reminder(people, day: date, rule: str):
    bericht = make_report(people.ka, DUE)
    with time_machine.travel(morning(day), tick=False):
        deadlines_write()
    return bericht, OutboxMessage.objects.get(key__startswith=f"bericht:{bericht.pk}:0:{rule}:")


def deliver_on(day: date, pk: int, hour: int = 8) -> str:
    with time_machine.travel(morning(day, hour) + timedelta(minutes=1), tick=False):
        return delivery.deliver(pk, builder=build_message).state


def test_overdue_notice_says_what_and_until_when_and_links_to_the_report_form(people, settings) -> None:
    settings.SITE_URL = "https://strategie.bochum.example"
    bericht, row = write_reminder(people, date(2027, 3, 18), "bericht-ueberfaellig")
    assert deliver_on(date(2027, 3, 18), row.pk) == OutboxState.SENT
    (sent,) = mail.outbox
    assert f"https://strategie.bochum.example/berichte/{bericht.pk}/" in sent.body
    assert sent.subject == (
        f"{people.ka.code}: Der Sachstandsbericht war am 17. März 2027 fällig und fehlt noch"
    )
    assert sorted(sent.to) == ["pg_lead@bochum.example", "pg_member@bochum.example"]
    assert "https://strategie.bochum.example/" in sent.body
    assert "seit 1 Tag überfällig" in sent.body
    assert isinstance(sent, EmailMultiAlternatives)
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html" and 'href="https://strategie.bochum.example/' in str(html)
    assert sent.from_email == DeadlineSettings.get().sender


def test_sender_is_configurable(people) -> None:
    DeadlineSettings.objects.filter(pk=1).update(absender="Strategiezirkel <zirkel@bochum.example>")
    _bericht, row = write_reminder(people, date(2027, 3, 18), "bericht-ueberfaellig")
    deliver_on(date(2027, 3, 18), row.pk)
    assert mail.outbox[0].from_email == "Strategiezirkel <zirkel@bochum.example>"


def test_copy_to_the_kompetenzverantwortliche_after_eight_days(people) -> None:
    _bericht, row = write_reminder(people, date(2027, 3, 25), "bericht-ueberfaellig-kopie")
    deliver_on(date(2027, 3, 25), row.pk)
    assert mail.outbox[0].cc == ["kv@bochum.example"]


def test_escalation_goes_to_the_strategiezirkel(people) -> None:
    _bericht, row = write_reminder(people, date(2027, 4, 1), "bericht-eskalation")
    deliver_on(date(2027, 4, 1), row.pk)
    assert mail.outbox[0].to == ["zirkel@bochum.example"]
    assert mail.outbox[0].subject.startswith(f"{people.ka.code}: Der Sachstandsbericht ist seit ")


def test_delivering_the_same_row_three_times_sends_one_mail(people) -> None:
    _bericht, row = write_reminder(people, date(2027, 3, 18), "bericht-ueberfaellig")
    states = [deliver_on(date(2027, 3, 18), row.pk) for _ in range(3)]
    assert states == ["sent", "skipped", "skipped"]
    assert len(mail.outbox) == 1


def test_a_reminder_for_a_report_that_arrived_meanwhile_is_dropped(people) -> None:
    bericht, row = write_reminder(people, date(2027, 3, 3), "bericht-vorab-14")
    statusbericht_submit(actor=people.pg, bericht=bericht, data=GOOD_REPORT)
    assert deliver_on(date(2027, 3, 3), row.pk, hour=9) == OutboxState.CANCELLED
    assert mail.outbox == []


def test_early_reminders_can_be_opted_out_of(people) -> None:
    NotificationPreference.objects.create(user=people.pg, vorab_erinnerungen=False)
    _bericht, row = write_reminder(people, date(2027, 3, 3), "bericht-vorab-14")
    deliver_on(date(2027, 3, 3), row.pk)
    assert mail.outbox[0].to == ["pg_member@bochum.example"]
    assert "/mail-einstellungen/" in mail.outbox[0].body


def test_overdue_notices_cannot_be_opted_out_of(people) -> None:
    NotificationPreference.objects.create(user=people.pg, vorab_erinnerungen=False, wochenuebersicht=False)
    _bericht, row = write_reminder(people, date(2027, 3, 18), "bericht-ueberfaellig")
    deliver_on(date(2027, 3, 18), row.pk)
    assert "pg_lead@bochum.example" in mail.outbox[0].to


def test_the_weekly_digest_lists_overdue_reports_and_can_be_opted_out_of(people) -> None:
    make_report(people.ka, date(2027, 3, 1))
    other = people.zirkel2
    NotificationPreference.objects.create(user=other, wochenuebersicht=False)
    with time_machine.travel(morning(date(2027, 3, 22)), tick=False):
        deadlines_write()
    row = OutboxMessage.objects.get(key="wochenuebersicht:2027-W12")
    deliver_on(date(2027, 3, 22), row.pk)
    (sent,) = mail.outbox
    assert sent.to == ["zirkel@bochum.example"]
    assert people.ka.code in sent.body and "1. März 2027" in sent.body


def test_a_deputy_gets_the_mails_of_the_person_they_stand_in_for(people) -> None:
    deputy = make_user("vertretung")
    Vertretung.objects.create(
        vertretene_person=people.pg, vertretung=deputy, von=DUE, bis=DUE + timedelta(days=7)
    )
    _bericht, row = write_reminder(people, date(2027, 3, 18), "bericht-ueberfaellig")
    deliver_on(date(2027, 3, 18), row.pk)
    assert "vertretung@bochum.example" in mail.outbox[0].to


def test_a_deputy_outside_the_date_range_gets_nothing(people) -> None:
    deputy = make_user("vertretung")
    Vertretung.objects.create(
        vertretene_person=people.pg, vertretung=deputy, von=date(2027, 4, 1), bis=date(2027, 4, 9)
    )
    _bericht, row = write_reminder(people, date(2027, 3, 18), "bericht-ueberfaellig")
    deliver_on(date(2027, 3, 18), row.pk)
    assert "vertretung@bochum.example" not in mail.outbox[0].to


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def unreachable_smtp(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60


def test_a_failed_send_is_retried_later_with_backoff(people, unreachable_smtp) -> None:
    _bericht, row = write_reminder(people, date(2027, 3, 18), "bericht-ueberfaellig")
    assert deliver_on(date(2027, 3, 18), row.pk) == OutboxState.PENDING
    row.refresh_from_db()
    assert row.attempts == 1 and "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at == morning(date(2027, 3, 18)) + timedelta(minutes=1, seconds=60)
    assert deliver_on(date(2027, 3, 18), row.pk) == "skipped"  # not before its time


def test_after_the_last_attempt_the_row_is_marked_failed(people, unreachable_smtp) -> None:
    _bericht, row = write_reminder(people, date(2027, 3, 18), "bericht-ueberfaellig")
    states = [deliver_on(date(2027, 3, 18), row.pk, hour=h) for h in (8, 9, 10, 11)]
    assert states == ["pending", "pending", "failed", "skipped"]
    assert OutboxMessage.objects.filter(state=OutboxState.FAILED).count() == 1


def test_failed_rows_can_be_put_back(people, unreachable_smtp) -> None:
    _bericht, row = write_reminder(people, date(2027, 3, 18), "bericht-ueberfaellig")
    for h in (8, 9, 10):
        deliver_on(date(2027, 3, 18), row.pk, hour=h)
    assert delivery.retry_failed([row.pk]) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (OutboxState.PENDING, 0)


def test_a_row_whose_workers_keep_dying_ends_failed(people, settings) -> None:
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    _bericht, row = write_reminder(people, date(2027, 3, 18), "bericht-ueberfaellig")
    OutboxMessage.objects.filter(pk=row.pk).update(
        state=OutboxState.SENDING, attempts=3, claimed_until=morning(date(2027, 3, 18), 7)
    )
    assert deliver_on(date(2027, 3, 18), row.pk) == OutboxState.FAILED
    assert mail.outbox == []


def test_an_abandoned_claim_is_taken_over_after_its_lease(people) -> None:
    _bericht, row = write_reminder(people, date(2027, 3, 18), "bericht-ueberfaellig")
    lease_end = morning(date(2027, 3, 18), 9)
    OutboxMessage.objects.filter(pk=row.pk).update(
        state=OutboxState.SENDING, attempts=1, claimed_until=lease_end
    )
    assert deliver_on(date(2027, 3, 18), row.pk, hour=8) == "skipped"  # still claimed
    assert deliver_on(date(2027, 3, 18), row.pk, hour=9) == OutboxState.SENT
    assert len(mail.outbox) == 1
