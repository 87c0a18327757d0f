"""Issue 10 (b)-(e) at the level of the outbox: superseded reminders dropped at delivery, claim tokens and a
lease derived from EMAIL_TIMEOUT, per-recipient delivery state against a real SMTP server on loopback
(aiosmtpd), batches over one SMTP connection, and the automatic retry after an outage."""

import threading
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.utils import timezone

from notifications.emails import build_message, message_id
from notifications.models import SweepProblem
from notifications.sweep import deadlines_write, sweep
from outbox import delivery
from outbox.delivery import Mail, enqueue
from outbox.models import OutboxMessage, OutboxState
from tests.people import People, make_report

from .conftest import morning
from .integration import free_port
from .test_sweep_isolation import admin_client_logged_in  # noqa: F401 (fixture)

DUE = date(2027, 3, 17)  # a Wednesday


class Server:
    """An SMTP server on loopback that answers RCPT per address as told (default 250)."""

    def __init__(self) -> None:
        self.answers: dict[str, str] = {}
        self.data_answer = ""
        self.received: list[tuple[list[str], str]] = []
        self.connections = 0
        self.lock = threading.Lock()

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: Any
    ) -> Any:
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        answer = self.answers.get(address, "250 OK")
        if answer.startswith("250"):
            envelope.rcpt_tos.append(address)
        return answer

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_answer:
            return self.data_answer
        text = envelope.content.decode("utf-8", "replace")
        mid = next(
            line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Message-ID")
        )
        with self.lock:
            self.received.append((sorted(envelope.rcpt_tos), mid))
        return "250 accepted"


@pytest.fixture
def smtp_server(settings):
    server = Server()
    port = free_port()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    yield server
    controller.stop()


def _mail_to(people, key: str = "aufgaben:1:x") -> OutboxMessage:
    """A mail to three people (projekt, projekt2, kompetenz), as a new task notice."""
    enqueue(
        [
            Mail(
                key=key,
                template="aufgaben_neu",
                context={"aufgaben": [{"id": 1, "titel": "Prüfen", "ka": "", "link": "/", "frist": ""}]},
                to_users=[people.pg.pk, people.pg_member.pk, people.kv.pk],
            )
        ]
    )
    return OutboxMessage.objects.get(key=key)


def _deliver(pk: int, at: Any = None) -> str:
    with time_machine.travel(at or morning(DUE, 9), tick=False):
        return delivery.deliver(pk, builder=build_message).state


# (b) superseded reminders


def test_a_reminder_replaced_by_the_next_rule_is_skipped_with_the_reason(people) -> None:
    bericht = make_report(people.ka, DUE)
    with time_machine.travel(morning(DUE + timedelta(days=1)), tick=False):
        deadlines_write()
    row = OutboxMessage.objects.get(key__startswith=f"bericht:{bericht.pk}:0:bericht-ueberfaellig:")
    # A backlog: the day-1 notice is delivered on day 8, when the notice with copy has taken over.
    assert _deliver(row.pk, morning(DUE + timedelta(days=8), 9)) == OutboxState.SKIPPED
    row.refresh_from_db()
    assert "nächste Erinnerungsstufe" in row.skip_reason
    assert mail.outbox == []


def test_a_weekly_reminder_replaced_by_its_next_occurrence_is_skipped(people) -> None:
    bericht = make_report(people.ka, DUE)
    with time_machine.travel(morning(DUE + timedelta(days=22)), tick=False):
        deadlines_write()
    row = OutboxMessage.objects.get(key__startswith=f"bericht:{bericht.pk}:0:bericht-woechentlich:0")
    assert _deliver(row.pk, morning(DUE + timedelta(days=29), 9)) == OutboxState.SKIPPED
    assert "Wiederholung" in OutboxMessage.objects.get(pk=row.pk).skip_reason


def test_a_reminder_still_current_is_sent(people) -> None:
    bericht = make_report(people.ka, DUE)
    with time_machine.travel(morning(DUE + timedelta(days=1)), tick=False):
        deadlines_write()
    row = OutboxMessage.objects.get(key__startswith=f"bericht:{bericht.pk}:0:bericht-ueberfaellig:")
    assert _deliver(row.pk, morning(DUE + timedelta(days=7), 9)) == OutboxState.SENT


# (c) claim token, lease, reconnect


class SlowBackend(LocmemBackend):
    """Each send takes 200 s of the clock (a slow SMTP server) and records how long the row's claim still
    had to run when the send began."""

    traveller: Any = None
    remaining: list[float] = []

    def send_messages(self, messages: Any) -> int:
        for message in messages:
            key = next(
                k
                for k in OutboxMessage.objects.values_list("key", flat=True)
                if message_id(k) == message.extra_headers["Message-ID"]
            )
            until = OutboxMessage.objects.get(key=key).claimed_until
            assert until is not None
            SlowBackend.remaining.append((until - timezone.now()).total_seconds())
            SlowBackend.traveller.shift(timedelta(seconds=200))
        return super().send_messages(messages)


def test_the_lease_outlasts_every_mails_worst_case_send_and_is_renewed_while_a_batch_is_slow(
    people, settings
) -> None:
    settings.EMAIL_TIMEOUT = 30
    settings.NOTIFICATIONS_CLAIM_SECONDS = 60
    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    for n in range(6):
        _mail_to(people, key=f"aufgaben:{n}:x")
    SlowBackend.remaining = []
    with time_machine.travel(morning(DUE, 9), tick=False) as traveller:
        SlowBackend.traveller = traveller
        results = delivery.deliver_batch(builder=build_message, limit=10)
    assert [r.state for r in results] == [OutboxState.SENT] * 6
    # Each send began with at least its own worst case left on the claim (3 recipients, connection open).
    worst = delivery.worst_case_seconds(3, connect=False)
    assert len(SlowBackend.remaining) == 6 and min(SlowBackend.remaining) >= worst
    # 6 sends of 200 s: far beyond the first lease, so it was renewed on the way.
    assert delivery.lease_seconds(0) < 6 * 200


def test_a_dead_workers_batch_is_taken_over_after_one_mails_worst_case_not_the_whole_batchs(
    people, settings
) -> None:
    settings.EMAIL_TIMEOUT = 30
    settings.NOTIFICATIONS_CLAIM_SECONDS = 60
    for n in range(50):
        _mail_to(people, key=f"aufgaben:{n}:x")
    with time_machine.travel(morning(DUE, 9), tick=False):
        dead_token, dead_rows = delivery._claim(None, 50)  # the worker dies here, before sending anything
    assert len(dead_rows) == 50
    # 50 mails' worst case would be (5 + 3 * 50 + 150) * 30 s, over two hours; the claim ends within minutes.
    lease = delivery.lease_seconds(0)
    assert lease <= delivery.worst_case_seconds(0) + 60 < 15 * 60
    with time_machine.travel(morning(DUE, 9) + timedelta(seconds=lease - 1), tick=False):
        assert delivery._claim(None, 50)[1] == []
    with time_machine.travel(morning(DUE, 9) + timedelta(seconds=lease + 1), tick=False):
        token, rows = delivery._claim(None, 50)
    assert len(rows) == 50 and token != dead_token


def test_a_worker_whose_lease_ran_out_cannot_mark_the_row_of_the_worker_that_took_over(people) -> None:
    row = _mail_to(people)
    with time_machine.travel(morning(DUE, 9), tick=False):
        slow_token, slow_rows = delivery._claim([row.pk], 1)
    assert slow_rows
    # The slow worker's lease ends; a second worker claims the row and delivers it.
    with time_machine.travel(morning(DUE, 12), tick=False):
        fast_token, fast_rows = delivery._claim([row.pk], 1)
        assert fast_rows and fast_token != slow_token
        # The slow worker goes on now: renewing its lease before the send finds the claim gone, so it
        # neither sends nor marks anything.
        assert delivery._deliver_claimed(slow_rows, slow_token, build_message) == []
        current = OutboxMessage.objects.get(pk=row.pk)
        assert (current.state, current.claim_token) == (OutboxState.SENDING, fast_token)
        (fast,) = delivery._deliver_claimed(fast_rows, fast_token, build_message)
    assert fast.state == OutboxState.SENT
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [message_id(row.key)]


class DatabaseDiesDuringSend(LocmemBackend):
    """The database connection is terminated while the SMTP server talks (a restarted or killed backend)."""

    def send_messages(self, messages: Any) -> int:
        pid = connection.connection.info.backend_pid
        s = connection.settings_dict
        with psycopg.connect(
            host=s["HOST"] or "127.0.0.1",
            port=s["PORT"] or 5432,
            user=s["USER"],
            dbname=s["NAME"],
            autocommit=True,
        ) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        return super().send_messages(messages)


@pytest.mark.postgres
def test_the_final_update_reconnects_after_the_database_connection_died(transactional_db, settings) -> None:
    people = People()
    settings.EMAIL_BACKEND = f"{__name__}.DatabaseDiesDuringSend"
    row = _mail_to(people)
    assert _deliver(row.pk) == OutboxState.SENT
    assert len(mail.outbox) == 1


# (d) per-recipient state


def test_a_partly_refused_mail_records_the_refusal_and_is_not_retried(people, smtp_server) -> None:
    smtp_server.answers["pg_member@bochum.example"] = "550 5.1.1 no such user"
    row = _mail_to(people)
    assert _deliver(row.pk) == OutboxState.PARTIAL
    row.refresh_from_db()
    assert row.recipients["pg_member@bochum.example"]["state"] == "failed"
    assert row.recipients["pg_member@bochum.example"]["answer"].startswith("550 5.1.1 no such user")
    assert row.recipients["pg_lead@bochum.example"]["state"] == "sent"
    assert "pg_member@bochum.example" not in row.recipients_sent
    assert "550" in row.last_error
    assert smtp_server.received == [(["kv@bochum.example", "pg_lead@bochum.example"], message_id(row.key))]


def test_a_4xx_recipient_is_retried_alone_with_the_same_message_id(people, smtp_server) -> None:
    smtp_server.answers["pg_member@bochum.example"] = "451 4.7.1 try again later"
    row = _mail_to(people)
    assert _deliver(row.pk) == OutboxState.PENDING
    del smtp_server.answers["pg_member@bochum.example"]
    assert _deliver(row.pk, morning(DUE, 12)) == OutboxState.SENT
    assert smtp_server.received == [
        (["kv@bochum.example", "pg_lead@bochum.example"], message_id(row.key)),
        (["pg_member@bochum.example"], message_id(row.key)),
    ]
    row.refresh_from_db()
    assert {i["state"] for i in row.recipients.values()} == {"sent"}


def test_a_5xx_for_every_recipient_fails_at_once(people, smtp_server) -> None:
    for name in ("pg_lead", "pg_member", "kv"):
        smtp_server.answers[f"{name}@bochum.example"] = "550 5.7.1 relaying denied"
    row = _mail_to(people)
    assert _deliver(row.pk) == OutboxState.FAILED
    row.refresh_from_db()
    assert (row.attempts, row.transient) == (1, False)


def test_a_5xx_for_the_whole_mail_fails_at_once(people, smtp_server) -> None:
    smtp_server.data_answer = "554 5.6.0 message refused"
    row = _mail_to(people)
    assert _deliver(row.pk) == OutboxState.FAILED
    assert OutboxMessage.objects.get(pk=row.pk).last_error.startswith("554")


def test_the_admin_shows_each_recipients_answer(
    people,
    smtp_server,
    admin_client_logged_in,  # noqa: F811
) -> None:
    smtp_server.answers["pg_member@bochum.example"] = "550 5.1.1 no such user"
    row = _mail_to(people)
    _deliver(row.pk)
    page = admin_client_logged_in.get(f"/admin/outbox/outboxmessage/{row.pk}/change/", secure=True)
    text = page.content.decode()
    assert "pg_member@bochum.example: abgelehnt (550 5.1.1 no such user)" in text


# (e) batches and the retry after an outage


def test_a_batch_goes_over_one_smtp_connection(people, smtp_server) -> None:
    for n in range(30):
        _mail_to(people, key=f"aufgaben:{n}:batch")
    with time_machine.travel(morning(DUE, 9), tick=False):
        results = delivery.deliver_batch(builder=build_message, limit=50)
    assert [r.state for r in results] == [OutboxState.SENT] * 30
    assert smtp_server.connections == 1
    assert len({mid for _rcpt, mid in smtp_server.received}) == 30


def test_after_a_long_outage_transiently_failed_rows_go_out_once_the_server_answers(
    people, smtp_server, settings
) -> None:
    row = _mail_to(people)
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nobody listens: the outage
    for hour in (9, 10, 11):
        _deliver(row.pk, morning(DUE, hour))
    row.refresh_from_db()
    assert (row.state, row.transient) == (OutboxState.FAILED, True)
    check = delivery.retry_after_outage()
    assert (check.waiting, check.requeued) == (1, 0) and "ConnectionRefused" in check.error
    sweep(now=morning(DUE, 11))  # the sweep shows the outage in the admin
    assert SweepProblem.objects.get(stage="smtp").message.startswith("Der Mailserver antwortet nicht")
    settings.EMAIL_PORT = port  # the server is back
    sweep(now=morning(DUE, 12))
    assert not SweepProblem.objects.filter(stage="smtp").exists()
    row.refresh_from_db()
    assert (row.state, row.transient, row.attempts) == (OutboxState.PENDING, False, 0)
    assert _deliver(row.pk, morning(DUE, 12)) == OutboxState.SENT
    assert len(smtp_server.received) == 1
