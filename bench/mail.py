"""Benchmark of mail delivery: outbox -> Celery workers (Redis) -> a local SMTP sink (aiosmtpd).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_mail CELERY_BROKER_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python bench/mail.py [--mails 10000] [--baseline 2000] [--reports 0]

Creates a throwaway database (``test_<name>``, dropped at the end) and starts one worker process with two
pool processes (prefork, concurrency 2: the two cores). Measures, in the same run:
- batches: ``--mails`` outbox rows handed over by the sweep's relay, claimed in batches and sent over one SMTP
  connection per batch: mails/s and enqueue-to-receipt p50/p99 (all rows are enqueued at once);
- baseline: ``--baseline`` rows, one ``notifications.deliver`` task per row and one SMTP connection per mail
  (the old path): mails/s; and the ratio of the two;
- with ``--reports N``: N running KA owing a report, the sweep of a working-day morning writes their
  reminders, the workers deliver them; the time from the sweep's start to the last mail received.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("SECRET_KEY", "bench-only-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789")

import django

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sweep import machine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


class Sink:
    """Counts what the SMTP server accepted and when (perf_counter of this process)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.times.append(time.perf_counter())
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.times)

    def wait(self, count: int, timeout: float) -> float:
        deadline = time.perf_counter() + timeout
        while self.count() < count and time.perf_counter() < deadline:
            time.sleep(0.02)
        with self.lock:
            return self.times[count - 1] if len(self.times) >= count else float("nan")


def _worker(port: int) -> tuple[subprocess.Popen, Path]:
    s = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://{s['USER']}{':' + s['PASSWORD'] if s.get('PASSWORD') else ''}"
        f"@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        LOG_LEVEL="WARNING",
        DEBUG="false",
        ALLOWED_HOSTS="localhost",
        PYTHONPATH=str(ROOT),
    )
    log = Path(tempfile.mkstemp(prefix="bench-mail-worker-", suffix=".log")[1])
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            "--concurrency=2",
            "--loglevel=info",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--hostname=benchmail@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while " ready." not in log.read_text(errors="replace"):
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(log.read_text(errors="replace")[-3000:])
        time.sleep(0.2)
    return process, log


def _rows(count: int, tag: str) -> list[int]:
    from django.contrib.auth import get_user_model

    from outbox.models import OutboxMessage

    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"email": "bench@bochum.example"}
    )
    task = [{"id": 1, "titel": "Prüfen", "ka": "B-00001 Vorhaben", "link": "/aufgaben/1/", "frist": ""}]
    rows = OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                key=f"bench-{tag}:{n}",
                template="aufgaben_neu",
                context={"aufgaben": task},
                to_users=[user.pk],
            )
            for n in range(count)
        ],
        batch_size=5000,
    )
    return [row.pk for row in rows]


def bench_batches(sink: Sink, mails: int) -> float:
    from outbox.delivery import dispatch_waiting

    _rows(mails, "batch")
    before = sink.count()
    t0 = time.perf_counter()
    dispatch_waiting()
    sink.wait(before + mails, timeout=1800)
    with sink.lock:
        times = sink.times[before : before + mails]
    elapsed = times[-1] - t0
    latencies = sorted(t - t0 for t in times)
    rate = len(times) / elapsed
    print(
        f"batches: {len(times):,} mails in {elapsed:.1f} s = {rate:.0f} mails/s; enqueue-to-receipt "
        f"p50 {statistics.median(latencies):.1f} s, p99 {latencies[int(len(latencies) * 0.99) - 1]:.1f} s"
    )
    return rate


def bench_baseline(sink: Sink, mails: int) -> float:
    from celery import current_app

    from outbox.delivery import DELIVER_TASK
    from outbox.models import OutboxMessage

    ids = _rows(mails, "single")
    OutboxMessage.objects.filter(pk__in=ids).update(enqueued_at=django.utils.timezone.now())
    before = sink.count()
    t0 = time.perf_counter()
    for pk in ids:
        current_app.send_task(DELIVER_TASK, args=[pk])
    sink.wait(before + mails, timeout=1800)
    elapsed = time.perf_counter() - t0
    rate = (sink.count() - before) / elapsed
    got = sink.count() - before
    print(
        f"baseline (one task, one SMTP connection per mail): {got:,} mails in {elapsed:.1f} s "
        f"= {rate:.0f} mails/s"
    )
    return rate


def bench_reports(sink: Sink, reports: int) -> None:
    from django.contrib.auth import get_user_model

    from governance.models import KaStatus, Kernaktivitaet, Kompetenz, Statusbericht
    from notifications.rules import BERLIN
    from notifications.sweep import sweep
    from outbox.models import OutboxMessage, OutboxState

    today = date.today()
    while today.weekday() >= 5:
        today += timedelta(days=1)
    lead = get_user_model().objects.create_user("leitung", "leitung@bochum.example", "x")
    kompetenz = Kompetenz.objects.create(key="benchmail", code="BMA", name="Bench", position=998)
    kas = Kernaktivitaet.objects.bulk_create(
        [
            Kernaktivitaet(
                code=f"M-{n:06d}",
                titel=f"Vorhaben {n}",
                kompetenz=kompetenz,
                status=KaStatus.RUNNING,
                projektleitung=lead,
            )
            for n in range(reports)
        ],
        batch_size=5000,
    )
    Statusbericht.objects.bulk_create(
        [
            Statusbericht(kernaktivitaet=ka, faellig_am=today + timedelta(days=40 - n % 100))
            for n, ka in enumerate(kas)
        ],
        batch_size=10_000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    before = sink.count()
    t0 = time.perf_counter()
    # The sweep of this morning on the real clock (the workers run on it too): 9 o'clock if that is ahead.
    now = max(django.utils.timezone.now(), datetime.combine(today, dtime(9), tzinfo=BERLIN))
    sweep(now=now)
    swept = time.perf_counter() - t0
    expected = OutboxMessage.objects.filter(key__startswith="bericht:").count()
    while time.perf_counter() - t0 < 3600:
        open_rows = OutboxMessage.objects.filter(state__in=[OutboxState.PENDING, OutboxState.SENDING]).count()
        if not open_rows:
            break
        time.sleep(1)
    elapsed = time.perf_counter() - t0
    states = dict(OutboxMessage.objects.values_list("state").annotate(n=django.db.models.Count("pk")))
    print(
        f"{reports:,} owed reports: sweep {swept:.1f} s wrote {expected:,} reminders; all delivered "
        f"{elapsed:.0f} s after the sweep started ({sink.count() - before:,} mails received; "
        f"rows by state {states})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=2_000)
    parser.add_argument("--reports", type=int, default=0)
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis"):
        sys.exit("bench/mail.py needs DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://…")
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    sink = Sink()
    with __import__("socket").socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    worker = None
    try:
        print(machine())
        from celery import current_app

        current_app.control.purge()
        worker, _log = _worker(port)
        rate = bench_batches(sink, args.mails)
        base = bench_baseline(sink, args.baseline) if args.baseline else 0
        if base:
            print(f"ratio batches / baseline: {rate / base:.1f}x")
        if args.reports:
            bench_reports(sink, args.reports)
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)
        controller.stop()
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
