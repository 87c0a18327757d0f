"""Benchmark of the reminder sweep and of mail delivery.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bochum_nt \
        .venv/bin/python bench/sweep.py [--deadlines 100000] [--mails 500]

Creates a throwaway database (``test_<name>``, migrated, dropped at the end), fills it with owed status
reports, times the set-based sweep (first run: writes the reminders; second run: nothing new) and the
delivery of outbox rows to a local aiosmtpd server. Prints the machine and the numbers.
"""

import argparse
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
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
from django.test.utils import CaptureQueriesContext  # noqa: E402

TODAY = date(2027, 3, 17)  # a Wednesday, no holiday
PER_KA = 100


def machine() -> str:
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor()
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        db = cursor.fetchone()[0].split(",")[0]
    return (
        f"machine: {platform.node()} {platform.system()} {platform.release()} | CPU: {cpu} | "
        f"cores visible: {os.cpu_count()} (affinity {len(os.sched_getaffinity(0))}) | RAM: {mem}\n"
        f"python {platform.python_version()} | django {django.get_version()} | {db}"
    )


def fill(deadlines: int) -> None:
    from governance.models import KaStatus, Kernaktivitaet, Kompetenz, Statusbericht

    kompetenz = Kompetenz.objects.create(key="bench", code="BEN", name="Bench", position=999)
    kas = Kernaktivitaet.objects.bulk_create(
        [
            Kernaktivitaet(
                code=f"B-{n:05d}", titel=f"Vorhaben {n}", kompetenz=kompetenz, status=KaStatus.RUNNING
            )
            for n in range(deadlines // PER_KA)
        ],
        batch_size=5000,
    )
    rows = (
        Statusbericht(kernaktivitaet=ka, faellig_am=TODAY + timedelta(days=40 - n))
        for ka in kas
        for n in range(PER_KA)
    )
    Statusbericht.objects.bulk_create(rows, batch_size=10_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def bench_sweep(deadlines: int) -> None:
    from notifications.rules import BERLIN
    from notifications.sweep import deadlines_write
    from outbox.models import OutboxMessage

    now = datetime.combine(TODAY, dtime(8, 0), tzinfo=BERLIN)
    t0 = time.perf_counter()
    fill(deadlines)
    print(f"filled {deadlines:,} owed reports in {time.perf_counter() - t0:.1f} s")
    for label in ("first sweep (writes reminders)", "second sweep (nothing new)"):
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            _created, reminders, digests = deadlines_write(now)
            elapsed = time.perf_counter() - t0
        print(
            f"{label}: {elapsed:.2f} s, {len(queries)} SQL statements, "
            f"{reminders:,} reminder rows, {digests} digest rows"
        )
    print(f"outbox rows: {OutboxMessage.objects.count():,}")


def _outbox_rows(mails: int, tag: str) -> list[int]:
    from django.contrib.auth import get_user_model

    from governance.models import AuditEvent, Kernaktivitaet
    from outbox.models import OutboxMessage

    user, _created = get_user_model().objects.get_or_create(
        username="bench", defaults={"email": "bench@bochum.example"}
    )
    ka = Kernaktivitaet.objects.first()
    events = AuditEvent.objects.bulk_create(
        [
            AuditEvent(kernaktivitaet=ka, action="bench", from_status="running", to_status="done")
            for _ in range(mails)
        ]
    )
    rows = OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                key=f"bench-{tag}:{e.pk}",
                template="ka_entscheidung",
                context={"event": e.pk},
                to_users=[user.pk],
            )
            for e in events
        ]
    )
    return [row.pk for row in rows]


class Counter:
    received = 0

    async def handle_DATA(self, server, session, envelope):
        Counter.received += 1
        return "250 OK"


def bench_delivery(mails: int, port: int) -> None:
    """One process calling the delivery service in a loop (no broker): the cost of one mail."""
    from notifications.emails import build_message
    from outbox import delivery
    from outbox.models import OutboxMessage, OutboxState

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    OutboxMessage.objects.all().delete()
    ids = _outbox_rows(mails, "loop")
    before = Counter.received
    durations = []
    t0 = time.perf_counter()
    for pk in ids:
        t1 = time.perf_counter()
        assert delivery.deliver(pk, builder=build_message).state == OutboxState.SENT
        durations.append(time.perf_counter() - t1)
    elapsed = time.perf_counter() - t0
    print(
        f"delivery, one process, one SMTP connection per mail: {mails} mails in {elapsed:.2f} s = "
        f"{mails / elapsed:.0f} mails/s (median {statistics.median(durations) * 1000:.1f} ms, "
        f"p95 {sorted(durations)[int(len(durations) * 0.95)] * 1000:.1f} ms); "
        f"server received {Counter.received - before}"
    )


def bench_worker_delivery(mails: int, port: int, concurrency: int) -> None:
    """A real worker process (prefork) fed through Redis, as in production."""
    from outbox.delivery import dispatch_waiting
    from outbox.models import OutboxMessage

    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis"):
        print("worker delivery: skipped (set CELERY_BROKER_URL=redis://…)")
        return
    s = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://{s['USER']}{':' + s['PASSWORD'] if s.get('PASSWORD') else ''}"
        f"@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        LOG_LEVEL="INFO",
        NOTIFICATIONS_DISPATCH_BATCH=str(mails),
    )
    log_path = Path(tempfile.mkstemp(prefix="bench-worker-", suffix=".log")[1])
    log = log_path.open("w")
    worker = subprocess.Popen(
        [
            sys.executable.replace("python", "celery"),
            "-A",
            "config",
            "worker",
            f"--concurrency={concurrency}",
            "--pool=prefork",
            "--loglevel=info",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--hostname=bench@%h",
        ],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while " ready." not in log_path.read_text(errors="replace"):
            if time.monotonic() > deadline or worker.poll() is not None:
                print("worker delivery: worker did not start")
                return
            time.sleep(0.2)
        OutboxMessage.objects.all().delete()
        _outbox_rows(mails, "worker")
        settings.NOTIFICATIONS_DISPATCH_BATCH = mails
        before = Counter.received
        t0 = time.perf_counter()
        dispatch_waiting()
        while Counter.received - before < mails and time.perf_counter() - t0 < 600:
            time.sleep(0.05)
        elapsed = time.perf_counter() - t0
        print(
            f"delivery through Redis and one worker (prefork, concurrency {concurrency}): "
            f"{Counter.received - before} mails in {elapsed:.2f} s = "
            f"{(Counter.received - before) / elapsed:.0f} mails/s"
        )
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadlines", type=int, default=100_000)
    parser.add_argument("--mails", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/sweep.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        print(machine())
        bench_sweep(args.deadlines)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = Controller(Counter(), hostname="127.0.0.1", port=port)
        controller.start()
        try:
            bench_delivery(args.mails, port)
            bench_worker_delivery(args.mails, port, args.concurrency)
        finally:
            controller.stop()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
