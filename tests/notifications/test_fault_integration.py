"""Issue 10, the fault runs as tests: real worker processes (prefork), Redis, an SMTP server on loopback
(aiosmtpd) and PostgreSQL. For each fault: no row lost, no recipient lost (each either received the mail or is
recorded as refused with the server's answer), twins only within the documented window and then with the same
Message-ID, no second open report."""

import subprocess
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as dtime

import psycopg
import pytest
from django.db import connection, transaction

from governance.models import Statusbericht, StatusberichtState
from notifications.emails import message_id
from notifications.rules import BERLIN
from notifications.sweep import sweep
from outbox.delivery import Mail, enqueue
from outbox.models import OutboxMessage, OutboxState
from tests.people import People, make_ka
from workflow.deadlines import add_months

from .integration import BASE_DIR, PYTHON, ThrowawayRedis, Worker, free_port, worker_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.serial]

RECIPIENTS = ["kv@bochum.example", "pg_lead@bochum.example", "pg_member@bochum.example"]


def write_mails(people: People, count: int, tag: str) -> list[str]:
    with transaction.atomic():
        enqueue(
            [
                Mail(
                    key=f"fault-{tag}:{n}",
                    template="aufgaben_neu",
                    context={"aufgaben": [{"id": n, "titel": "Prüfen", "ka": "", "link": "/", "frist": ""}]},
                    to_users=[people.pg.pk, people.pg_member.pk, people.kv.pk],
                )
                for n in range(count)
            ]
        )
    return [f"fault-{tag}:{n}" for n in range(count)]


def wait_until_settled(
    keys: list[str], timeout: float = 180, sweep_every: float = 0, sweeper: Callable[[], object] = sweep
) -> None:
    """Until no row is waiting or being sent (running the sweep now and then, as the beat does)."""
    deadline = time.monotonic() + timeout
    last_sweep = time.monotonic()
    while time.monotonic() < deadline:
        open_rows = OutboxMessage.objects.filter(
            key__in=keys, state__in=[OutboxState.PENDING, OutboxState.SENDING]
        ).count()
        if not open_rows:
            return
        if sweep_every and time.monotonic() - last_sweep > sweep_every:
            sweeper()
            last_sweep = time.monotonic()
        time.sleep(0.3)
    raise AssertionError(f"{open_rows} rows still open")


def tally(smtp, keys: list[str]) -> dict[str, int]:
    """Per fault: rows lost, recipients lost, twins (and whether every twin has its row's Message-ID)."""
    time.sleep(2)
    by_id = {message_id(k): k for k in keys}
    copies: Counter[tuple[str, str]] = Counter()
    for received in list(smtp.messages):
        for address in received.recipients:
            copies[(received.message_id, address)] += 1
    rows = {r.key: r for r in OutboxMessage.objects.filter(key__in=keys)}
    rows_lost = sum(
        1 for k in keys if k not in rows or rows[k].state not in (OutboxState.SENT, OutboxState.PARTIAL)
    )
    recipients_lost = 0
    for key in keys:
        row = rows.get(key)
        for address in RECIPIENTS:
            got = copies.get((message_id(key), address), 0)
            refused = row is not None and (row.recipients or {}).get(address, {}).get("state") == "failed"
            if not got and not refused:
                recipients_lost += 1
    twins = sum(n - 1 for n in copies.values() if n > 1)
    foreign = sum(1 for received in smtp.messages if received.message_id not in by_id)
    return {
        "rows_lost": rows_lost,
        "recipients_lost": recipients_lost,
        "twins": twins,
        "foreign_ids": foreign,
    }


def test_partial_550_records_the_refused_recipient_and_delivers_the_others_once(people_live, workers, smtp):
    smtp.refuse["pg_member@bochum.example"] = "550 5.1.1 <pg_member@bochum.example>: unknown user"
    workers()
    keys = write_mails(people_live, 50, "550")
    wait_until_settled(keys)
    counts = tally(smtp, keys)
    print("partial 550:", counts)
    assert counts == {"rows_lost": 0, "recipients_lost": 0, "twins": 0, "foreign_ids": 0}
    row = OutboxMessage.objects.get(key=keys[0])
    assert row.state == OutboxState.PARTIAL
    assert row.recipients["pg_member@bochum.example"]["answer"].startswith("550 5.1.1")


def test_a_451_outage_longer_than_the_retry_budget_is_delivered_once_the_server_answers(
    people_live, smtp, settings
):
    env = worker_env(broker_url=settings.CELERY_BROKER_URL, smtp_port=smtp.port)
    env.update(NOTIFICATIONS_MAX_ATTEMPTS="2", NOTIFICATIONS_RETRY_BASE_SECONDS="1")
    smtp.refuse_all = "451 4.3.0 try again later"
    worker = Worker(env, "outage")
    try:
        keys = write_mails(people_live, 30, "451")
        wait_until_settled(keys, sweep_every=1.5)  # they all end failed (transient) during the outage
        assert (
            OutboxMessage.objects.filter(key__in=keys, state=OutboxState.FAILED, transient=True).count() == 30
        )
        smtp.refuse_all = ""
        sweep()  # the server answers again: the rows go back to the queue
        wait_until_settled(keys, sweep_every=2)
        counts = tally(smtp, keys)
        print("451 outage:", counts)
        assert counts == {"rows_lost": 0, "recipients_lost": 0, "twins": 0, "foreign_ids": 0}
    finally:
        worker.stop()


@pytest.fixture(autouse=True)
def quick_requeue(settings):
    """The sweeps of this process hand over rows as the workers' settings would (worker_env)."""
    settings.NOTIFICATIONS_REQUEUE_SECONDS = 2
    settings.NOTIFICATIONS_BATCH_SIZE = 5


def test_worker_kills_during_delivery_lose_nothing(people_live, workers, smtp):
    smtp.data_delay = 0.02
    keys = write_mails(people_live, 200, "kill")
    kills = 0
    for round_ in range(4):
        worker = workers(f"kill{round_}")
        time.sleep(1.5)
        if round_ < 3:
            worker.kill()
            kills += 1
    smtp.data_delay = 0
    wait_until_settled(keys, timeout=240, sweep_every=2)
    counts = tally(smtp, keys)
    print(f"worker kills ({kills}):", counts)
    assert counts["rows_lost"] == counts["recipients_lost"] == counts["foreign_ids"] == 0
    assert counts["twins"] <= kills * 2 * 3  # at most the mail in flight per pool process, per recipient


def _sweep_in(env: dict[str, str]) -> None:
    """The sweep as the beat runs it against the private Redis (a process with the workers' settings)."""
    subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", "from notifications.sweep import sweep; sweep()"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        timeout=120,
    )


def test_redis_killed_and_restarted_loses_nothing(people_live, smtp):
    redis = ThrowawayRedis(free_port())
    redis.start()
    env = worker_env(broker_url=redis.url, smtp_port=smtp.port)
    worker = Worker(env, "redis")
    try:
        smtp.data_delay = 0.02
        keys = write_mails(people_live, 150, "redis")
        time.sleep(1)
        redis.stop()
        time.sleep(2)
        redis.start()
        smtp.data_delay = 0
        wait_until_settled(keys, timeout=240, sweep_every=3, sweeper=lambda: _sweep_in(env))
        counts = tally(smtp, keys)
        print("redis killed:", counts)
        assert counts == {"rows_lost": 0, "recipients_lost": 0, "twins": 0, "foreign_ids": 0}
    finally:
        worker.stop()
        redis.stop()


def test_database_connections_terminated_during_sends_lose_nothing(people_live, workers, smtp):
    smtp.data_delay = 0.05
    workers()
    keys = write_mails(people_live, 150, "dbkill")
    s = connection.settings_dict
    own = connection.connection.info.backend_pid if connection.connection else 0
    terminated = 0
    with psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"],
        dbname=s["NAME"],
        autocommit=True,
    ) as admin:
        for _ in range(10):
            time.sleep(0.5)
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> %s "
                "AND pid <> pg_backend_pid()",
                [s["NAME"], own],
            ).fetchall()
            terminated += len(rows)
    smtp.data_delay = 0
    wait_until_settled(keys, timeout=240, sweep_every=3)
    counts = tally(smtp, keys)
    print(f"database connections terminated ({terminated}):", counts)
    assert counts["rows_lost"] == counts["recipients_lost"] == counts["foreign_ids"] == 0
    # A connection killed exactly between the server's 250 and the mark, and not recovered by the one
    # reconnect, is the documented window: the twin has the same Message-ID (asserted by foreign_ids == 0).
    assert counts["twins"] <= terminated * 3


def test_slow_smtp_beyond_email_timeout_sends_twins_only_with_the_same_message_id(people_live, workers, smtp):
    smtp.data_delay = 1.5  # longer than EMAIL_TIMEOUT=1 of the workers: the 250 comes too late
    workers()
    keys = write_mails(people_live, 5, "slow")
    time.sleep(6)
    smtp.data_delay = 0
    wait_until_settled(keys, timeout=120, sweep_every=2)
    counts = tally(smtp, keys)
    print("slow SMTP:", counts)
    assert counts["rows_lost"] == counts["recipients_lost"] == counts["foreign_ids"] == 0


def test_two_sweep_processes_across_midnight_write_one_open_report_per_ka(people_live, smtp, settings):
    day = date(2027, 3, 17)
    ids = []
    for _ in range(50):
        ka = make_ka(people_live.kompetenz, members=(people_live.pg,))
        previous = add_months(day, -6)
        assert previous is not None
        Statusbericht.objects.create(
            kernaktivitaet=ka, faellig_am=previous, state=StatusberichtState.ACCEPTED
        )
        ids.append(ka.pk)
    env = worker_env(broker_url=settings.CELERY_BROKER_URL, smtp_port=smtp.port)
    moments = [
        datetime.combine(day, dtime(23, 59, 59), tzinfo=BERLIN),
        datetime.combine(day + timedelta(days=1), dtime(0, 0, 1), tzinfo=BERLIN),
    ]
    go = time.time() + 3
    processes = [
        subprocess.Popen(
            [
                PYTHON,
                "manage.py",
                "shell",
                "-c",
                f"import time, datetime; time.sleep(max(0, {go} - time.time()));"
                "from notifications.sweep import sweep;"
                f"print(sweep(now=datetime.datetime.fromisoformat('{m.isoformat()}')))",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for m in moments
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    open_counts = Counter(
        Statusbericht.objects.filter(kernaktivitaet_id__in=ids, state__in=["due", "returned"]).values_list(
            "kernaktivitaet_id", flat=True
        )
    )
    print(
        "two sweeps across midnight:",
        outputs,
        "second open reports:",
        sum(1 for n in open_counts.values() if n > 1),
    )
    assert set(open_counts.values()) == {1} and len(open_counts) == 50
