"""Integration with real parts: PostgreSQL, Redis, `celery -A config worker` processes and an SMTP server on
loopback. Each scenario asserts what the SMTP server received: every mail exactly once."""

import shutil
import subprocess
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine
from celery import current_app
from django.db import connection
from django.utils import timezone

from governance.models import Statusbericht
from notifications.rules import next_working_day
from notifications.sweep import sweep
from outbox.delivery import DELIVER_TASK
from outbox.models import OutboxMessage, OutboxState
from tests.conftest import service_missing
from tests.people import GOOD_REPORT, People, make_ka
from workflow.reports.services import statusbericht_submit

from .conftest import morning
from .integration import BASE_DIR, PYTHON, Beat, ThrowawayRedis, Worker, free_port, worker_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.serial]

SETTLE_SECONDS = 4  # after the expected mails arrived, wait this long for a duplicate that must not come


def owed_report(people: People) -> Statusbericht:
    return Statusbericht.objects.create(
        kernaktivitaet=people.ka, faellig_am=date.today() + timedelta(days=100)
    )


def wait_for_lease_end(row: OutboxMessage) -> None:
    row.refresh_from_db()
    assert row.claimed_until is not None
    while timezone.now() <= row.claimed_until:
        time.sleep(0.2)


def settle(smtp, count: int) -> list:
    smtp.wait_for(count)
    time.sleep(SETTLE_SECONDS)
    return list(smtp.messages)


def test_worker_delivers_a_users_action_to_the_smtp_server(people_live, workers, smtp) -> None:
    workers()
    bericht = owed_report(people_live)
    statusbericht_submit(actor=people_live.pg, bericht=bericht, data=GOOD_REPORT)
    (received,) = settle(smtp, 1)
    assert received.recipients == ["kv@bochum.example", "zirkel@bochum.example"]
    assert received.subject == (
        f"{people_live.ka.code}: Die Projektgruppe hat ihren Sachstandsbericht eingereicht – "
        "bitte prüfen Sie ihn"
    )
    assert f"https://strategie.bochum.example/berichte/{bericht.pk}/" in received.text
    assert OutboxMessage.objects.get().state == OutboxState.SENT


def test_the_same_delivery_task_three_times_sends_one_mail(people_live, workers, smtp) -> None:
    workers()
    statusbericht_submit(actor=people_live.pg, bericht=owed_report(people_live), data=GOOD_REPORT)
    pk = OutboxMessage.objects.get().pk
    for _ in range(3):
        current_app.send_task(DELIVER_TASK, args=[pk])
    assert len(settle(smtp, 1)) == 1


def test_two_concurrent_sweeps_send_each_reminder_once(people_live, workers, smtp) -> None:
    workers()
    # The workers run on the real clock: the sweep's day must not lie behind it, or the reminders written for
    # that day would be superseded by the time they are delivered (and rightly skipped).
    day = next_working_day(date.today())
    for _ in range(20):
        ka = make_ka(people_live.kompetenz, members=(people_live.pg,))
        Statusbericht.objects.create(kernaktivitaet=ka, faellig_am=day - timedelta(days=1))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            sweep()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(morning(day, 9), tick=True):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    expected = OutboxMessage.objects.exclude(state=OutboxState.CANCELLED).count()
    assert expected == 21  # 20 overdue notices and the weekly digest
    received = settle(smtp, expected)
    assert len(received) == expected
    assert len({m.message_id for m in received}) == expected


def test_worker_killed_mid_delivery_then_restarted_sends_once(people_live, workers, smtp) -> None:
    first = workers("first")
    smtp.stall.set()
    statusbericht_submit(actor=people_live.pg, bericht=owed_report(people_live), data=GOOD_REPORT)
    assert smtp.rcpt_seen.wait(30), "the worker never reached the SMTP server"
    first.kill()
    row = OutboxMessage.objects.get()
    assert row.state == OutboxState.SENDING
    smtp.stall.clear()
    workers("second")
    wait_for_lease_end(row)  # the claim of the killed worker runs out
    sweep()  # the beat's sweep finds the abandoned row and hands it to the new worker
    received = settle(smtp, 1)
    assert len(received) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (OutboxState.SENT, 2)


def _manage(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_redis_down_during_a_user_action_loses_no_mail_and_sends_it_once(people_live, smtp) -> None:
    if not shutil.which("redis-server") and not Path("/usr/bin/redis-server").exists():
        service_missing("redis", "needs the redis-server program to stop and start a private Redis")
    redis = ThrowawayRedis(free_port())
    redis.start()
    env = worker_env(broker_url=redis.url, smtp_port=smtp.port)
    worker = Worker(env, "redisdown")
    try:
        bericht = owed_report(people_live)
        redis.stop()
        action = _manage(
            "from django.contrib.auth import get_user_model\n"
            "from governance.models import Statusbericht\n"
            "from workflow.reports.services import statusbericht_submit\n"
            "from tests.people import GOOD_REPORT\n"
            f"b = Statusbericht.objects.get(pk={bericht.pk})\n"
            "u = get_user_model().objects.get(username='pg_lead')\n"
            "statusbericht_submit(actor=u, bericht=b, data=GOOD_REPORT)\n",
            env,
        )
        assert action.returncode == 0, action.stderr[-2000:]
        row = OutboxMessage.objects.get()
        assert (row.state, row.enqueued_at) == (OutboxState.PENDING, None)
        assert Statusbericht.objects.get(pk=bericht.pk).state == "submitted"
        redis.start()
        sweep_run = _manage("from notifications.sweep import sweep; sweep()", env)
        assert sweep_run.returncode == 0, sweep_run.stderr[-2000:]
        received = settle(smtp, 1)
        assert len(received) == 1
        assert received[0].recipients == ["kv@bochum.example", "zirkel@bochum.example"]
    finally:
        worker.stop()
        redis.stop()


def test_the_beat_runs_the_sweep_which_delivers_a_mail_whose_enqueue_was_lost(
    people_live, workers, smtp, settings
) -> None:
    from django_celery_beat.models import PeriodicTask

    from notifications.schedule import schedule_install

    schedule_install()  # a transactional test starts with empty tables
    task = PeriodicTask.objects.get(task="notifications.sweep")
    task.interval.every = 1
    task.interval.save()
    PeriodicTask.objects.filter(pk=task.pk).update(last_run_at=None)
    workers()
    bericht = owed_report(people_live)
    # A row committed without a broker message, as after a crash between commit and publish.
    OutboxMessage.objects.create(
        key="verloren:1",
        template="bericht_eingereicht",
        context={"statusbericht": bericht.pk},
        to_users=[people_live.zirkel.pk],
    )
    beat = Beat(worker_env(broker_url=settings.CELERY_BROKER_URL, smtp_port=smtp.port))
    try:
        received = settle(smtp, 1)
    finally:
        beat.stop()
    assert len(received) == 1, beat.log.read_text(errors="replace")[-2000:]
    assert received[0].recipients == ["zirkel@bochum.example"]
