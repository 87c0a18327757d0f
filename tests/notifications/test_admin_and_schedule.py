from datetime import date

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from governance.models import AuditEvent, KaStatus
from notifications.emails import build_message
from notifications.schedule import PERIODIC_TASKS, schedule_install
from outbox import delivery
from outbox.models import OutboxMessage, OutboxState
from tests.otp import verify_second_factor
from tests.people import make_ka

from .conftest import morning


def test_every_periodic_task_is_registered_in_celery_beat_after_migrate(db) -> None:
    registered = dict(PeriodicTask.objects.values_list("name", "task"))
    assert {p.name: p.task for p in PERIODIC_TASKS}.items() <= registered.items()


def test_installing_again_keeps_the_interval_set_in_the_admin(db) -> None:
    task = PeriodicTask.objects.get(task="notifications.sweep")
    task.interval.every = 120
    task.interval.save()
    assert schedule_install() == []
    call_command("install_schedule", verbosity=0)
    assert PeriodicTask.objects.get(task="notifications.sweep").interval.every == 120


def test_the_sweep_task_is_known_to_the_celery_app() -> None:
    from config.celery import app

    app.loader.import_default_modules()
    assert {"notifications.sweep", "notifications.deliver"} <= set(app.tasks)


@pytest.fixture
def admin_client_logged_in(client, db, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    admin = get_user_model().objects.create_superuser("admin", "admin@bochum.example", "x")
    client.force_login(admin)
    verify_second_factor(client, admin, secure=True)
    return client


@pytest.mark.parametrize(
    "model",
    [
        "notifications/reminderrule",
        "workflow/deadlinesettings",
        "notifications/notificationpreference",
        "outbox/outboxmessage",
    ],
)
def test_admin_lists_every_notifications_model(admin_client_logged_in, model) -> None:
    assert admin_client_logged_in.get(f"/admin/{model}/", secure=True).status_code == 200


def test_failed_mails_can_be_filtered_in_the_admin(admin_client_logged_in) -> None:
    OutboxMessage.objects.create(
        key="a", template="aufgaben_neu", state=OutboxState.FAILED, last_error="boom"
    )
    OutboxMessage.objects.create(key="b", template="aufgaben_neu", state=OutboxState.SENT)
    response = admin_client_logged_in.get("/admin/outbox/outboxmessage/?state__exact=failed", secure=True)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list.values_list("key", flat=True)) == ["a"]


def test_overdue_decision_reminds_the_role_that_owns_it(people) -> None:
    ka = make_ka(people.kompetenz, members=(people.pg,), status=KaStatus.BOARD_DECISION)
    with time_machine.travel(morning(date(2027, 3, 1), 9), tick=False):
        AuditEvent.objects.create(
            kernaktivitaet=ka,
            action="forward",
            from_status=KaStatus.ZIRKEL_REVIEW,
            to_status=KaStatus.BOARD_DECISION,
        )
    from notifications.sweep import deadlines_write

    with time_machine.travel(morning(date(2027, 3, 16)), tick=False):  # deadline 15.03. (14 days)
        deadlines_write()
        row = OutboxMessage.objects.get(key__startswith=f"entscheidung:{ka.pk}:")
        assert delivery.deliver(row.pk, builder=build_message).state == OutboxState.SENT
    (sent,) = mail.outbox
    assert sent.to == ["vorstand@bochum.example"]
    assert sent.subject == (
        f"{ka.code}: Die Frist für „Entscheidung Verwaltungsvorstand“ ist am 15. März 2027 abgelaufen"
    )


def test_a_taken_decision_drops_its_pending_reminder(people) -> None:
    ka = make_ka(people.kompetenz, members=(people.pg,), status=KaStatus.BOARD_DECISION)
    with time_machine.travel(morning(date(2027, 3, 1), 9), tick=False):
        AuditEvent.objects.create(
            kernaktivitaet=ka,
            action="forward",
            from_status=KaStatus.ZIRKEL_REVIEW,
            to_status=KaStatus.BOARD_DECISION,
        )
    from governance.models import Kernaktivitaet
    from notifications.sweep import deadlines_write

    with time_machine.travel(morning(date(2027, 3, 16)), tick=False):
        deadlines_write()
        Kernaktivitaet.objects.filter(pk=ka.pk).update(status=KaStatus.COUNCIL)
        row = OutboxMessage.objects.get(key__startswith=f"entscheidung:{ka.pk}:")
        assert delivery.deliver(row.pk, builder=build_message).state == OutboxState.CANCELLED
    assert mail.outbox == []


def test_migrations_are_complete(db) -> None:
    call_command("makemigrations", "notifications", "governance", check=True, dry_run=True, verbosity=0)


@pytest.mark.parametrize("value", ["keine adresse", "Strategie <>", "a@b@c"])
def test_an_invalid_sender_is_refused_with_a_german_message(db, value) -> None:
    from django.core.exceptions import ValidationError

    from workflow.models import DeadlineSettings

    settings_row = DeadlineSettings.get()
    settings_row.absender = value
    with pytest.raises(ValidationError) as refused:
        settings_row.full_clean()
    assert "Absenderadresse" in str(refused.value)


def test_a_sender_with_a_name_is_accepted(db) -> None:
    from workflow.models import DeadlineSettings

    settings_row = DeadlineSettings.get()
    settings_row.absender = "Strategiezirkel Bochum <zirkel@bochum.de>"
    settings_row.full_clean()


def test_a_failed_mail_shows_its_error_in_the_admin(admin_client_logged_in) -> None:
    row = OutboxMessage.objects.create(
        key="c", template="aufgaben_neu", state=OutboxState.FAILED, last_error="SMTPRecipientsRefused: 550"
    )
    response = admin_client_logged_in.get(f"/admin/outbox/outboxmessage/{row.pk}/change/", secure=True)
    assert response.status_code == 200
    assert "SMTPRecipientsRefused: 550" in response.content.decode()


def test_failed_mails_are_put_back_by_the_admin_action(
    admin_client_logged_in, django_capture_on_commit_callbacks
):
    row = OutboxMessage.objects.create(key="d", template="aufgaben_neu", state=OutboxState.FAILED, attempts=5)
    with django_capture_on_commit_callbacks(execute=False):
        response = admin_client_logged_in.post(
            "/admin/outbox/outboxmessage/",
            {"action": "retry", "_selected_action": [row.pk]},
            secure=True,
        )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.state, row.attempts) == (OutboxState.PENDING, 0)
