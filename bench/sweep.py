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
import socket
import statistics
import sys
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
    from notifications.models import OutboxMessage
    from notifications.rules import BERLIN
    from notifications.sweep import reminders_insert

    now = datetime.combine(TODAY, dtime(8, 0), tzinfo=BERLIN)
    t0 = time.perf_counter()
    fill(deadlines)
    print(f"filled {deadlines:,} owed reports in {time.perf_counter() - t0:.1f} s")
    for label in ("first sweep (writes reminders)", "second sweep (nothing new)"):
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            _created, reminders, digests = reminders_insert(now)
            elapsed = time.perf_counter() - t0
        print(
            f"{label}: {elapsed:.2f} s, {len(queries)} SQL statements, "
            f"{reminders:,} reminder rows, {digests} digest rows"
        )
    print(f"outbox rows: {OutboxMessage.objects.count():,}")


def bench_delivery(mails: int) -> None:
    from aiosmtpd.controller import Controller

    from notifications import outbox
    from notifications.emails import build_message
    from notifications.models import OutboxMessage, OutboxState

    class Count:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Count.received += 1
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_user("bench", email="bench@bochum.example")
        OutboxMessage.objects.all().delete()
        from governance.models import AuditEvent, Kernaktivitaet

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
                    key=f"bench:{e.pk}",
                    template="ka_entscheidung",
                    context={"event": e.pk},
                    to_users=[user.pk],
                )
                for e in events
            ]
        )
        durations = []
        t0 = time.perf_counter()
        for row in rows:
            t1 = time.perf_counter()
            assert outbox.deliver(row.pk, builder=build_message).state == OutboxState.SENT
            durations.append(time.perf_counter() - t1)
        elapsed = time.perf_counter() - t0
        print(
            f"delivery, one process, one SMTP connection per mail: {mails} mails in {elapsed:.2f} s = "
            f"{mails / elapsed:.0f} mails/s (median {statistics.median(durations) * 1000:.1f} ms, "
            f"p95 {sorted(durations)[int(len(durations) * 0.95)] * 1000:.1f} ms); "
            f"server received {Count.received}"
        )
    finally:
        controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadlines", type=int, default=100_000)
    parser.add_argument("--mails", type=int, default=500)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/sweep.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        print(machine())
        bench_sweep(args.deadlines)
        bench_delivery(args.mails)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
