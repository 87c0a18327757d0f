"""Load benchmark of the public pages: KA overview, dashboard and KA page under 20 concurrent users.

Seeds a PostgreSQL database of its own with the real Bochum Strategie plus generated KA (default 10,000) and
task-like rows (default 100,000: status reports and audit events, half each), starts gunicorn on 127.0.0.1 and
measures with a bounded number of requests from concurrent threads. Prints p50/p95 per page and the machine.

    .venv/bin/python bench/pages.py                       # postgres://postgres@127.0.0.1:5432/bochum_bench
    .venv/bin/python bench/pages.py --requests 3000 --users 20 --workers 5

Not part of the test suite. Talks to 127.0.0.1 only.
"""

import argparse
import os
import platform
import random
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bochum_bench")
    parser.add_argument("--ka", type=int, default=10_000, help="number of KA in total (real ones included)")
    parser.add_argument(
        "--rows", type=int, default=100_000, help="task-like rows: status reports + audit events"
    )
    parser.add_argument("--users", type=int, default=20, help="concurrent users")
    parser.add_argument("--requests", type=int, default=2_000, help="requests in total (upper bound)")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds at most")
    parser.add_argument("--warmup", type=int, default=30, help="requests before measuring")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--reseed", action="store_true", help="drop and recreate the database first")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "WHITENOISE_USE_FINDERS": "true",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def ensure_database(database_url: str, reseed: bool) -> None:
    import psycopg

    parsed = urlparse(database_url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reseed:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def seed(total_ka: int, rows: int) -> dict[str, int]:
    """Real strategy plus generated KA, reports and audit events (idempotent: tops up to the targets)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from governance.models import (
        Ampel,
        AuditEvent,
        KaStatus,
        Kernaktivitaet,
        Kompetenz,
        Querschnittsthema,
        Schwerpunkt,
        Statusbericht,
        StatusberichtState,
        Tranche,
    )

    call_command("migrate", verbosity=0)
    if not Kernaktivitaet.objects.exists():
        with open(os.devnull, "w") as devnull:
            call_command("load_strategy", verbosity=0, stdout=devnull)
    kompetenzen = list(Kompetenz.objects.all())
    by_kompetenz: dict[int, list[Schwerpunkt]] = defaultdict(list)
    for schwerpunkt in Schwerpunkt.objects.all():
        by_kompetenz[schwerpunkt.kompetenz_id].append(schwerpunkt)
    tranchen = list(Tranche.objects.all())
    themen = list(Querschnittsthema.objects.all())
    rng = random.Random(2030)
    weights = {
        KaStatus.PROPOSED: 5,
        KaStatus.ZIRKEL_REVIEW: 3,
        KaStatus.BOARD_DECISION: 2,
        KaStatus.COUNCIL: 2,
        KaStatus.RUNNING: 45,
        KaStatus.DONE: 35,
        KaStatus.STOPPED: 4,
        KaStatus.REJECTED: 4,
    }
    missing = total_ka - Kernaktivitaet.objects.count()
    start = Kernaktivitaet.objects.filter(code__startswith="BENCH-").count()
    batch = 2_000
    through = Kernaktivitaet.querschnittsthemen.through
    while missing > 0:
        size = min(batch, missing)
        with transaction.atomic():
            created = Kernaktivitaet.objects.bulk_create(
                Kernaktivitaet(
                    code=f"BENCH-{start + i:05d}",
                    titel=f"Kernaktivität {start + i}: Quartier, Bildung und Klima",
                    beschreibung="Erzeugt für den Lasttest. " * 8,
                    kompetenz=kompetenz,
                    schwerpunkt=rng.choice(by_kompetenz[kompetenz.pk])
                    if by_kompetenz[kompetenz.pk] and rng.random() < 0.7
                    else None,
                    tranche=rng.choice(tranchen),
                    status=rng.choices(list(weights), weights=list(weights.values()))[0],
                )
                for i, kompetenz in ((i, rng.choice(kompetenzen)) for i in range(size))
            )
            through.objects.bulk_create(
                through(kernaktivitaet_id=ka.pk, querschnittsthema_id=thema.pk)
                for ka in created
                for thema in rng.sample(themen, rng.randint(0, 2))
            )
        start += size
        missing -= size

    generated = list(Kernaktivitaet.objects.filter(code__startswith="BENCH-").values_list("pk", flat=True))
    today = timezone.localdate()
    reports_wanted = rows // 2 - Statusbericht.objects.count()
    if reports_wanted > 0 and generated:
        per_ka = max(1, -(-reports_wanted // len(generated)))
        objs = []
        for pk in generated:
            for n in range(per_ka):
                due = today - timedelta(days=182 * n + rng.randint(-20, 20))
                open_report = n == 0
                objs.append(
                    Statusbericht(
                        kernaktivitaet_id=pk,
                        faellig_am=due,
                        state=(rng.choice([StatusberichtState.DUE, StatusberichtState.RETURNED]))
                        if open_report
                        else StatusberichtState.ACCEPTED,
                        ampel_zeitplan=rng.choice(list(Ampel)),
                        ampel_budget=rng.choice(list(Ampel)),
                        ampel_umfang=rng.choice(list(Ampel)),
                        fortschritt_prozent=rng.randint(0, 100),
                        text_oeffentlich="Sachstand für die Öffentlichkeit.",
                    )
                )
                if len(objs) >= reports_wanted:
                    break
            if len(objs) >= reports_wanted:
                break
        Statusbericht.objects.bulk_create(objs, batch_size=5_000, ignore_conflicts=True)
    events_wanted = rows - rows // 2 - AuditEvent.objects.count()
    if events_wanted > 0 and generated:
        path = [KaStatus.PROPOSED, KaStatus.ZIRKEL_REVIEW, KaStatus.BOARD_DECISION, KaStatus.COUNCIL]
        events: list[AuditEvent] = []
        while len(events) < events_wanted:
            pk = rng.choice(generated)
            step = rng.randrange(len(path))
            events.append(
                AuditEvent(
                    kernaktivitaet_id=pk,
                    action="transition",
                    from_status=path[step],
                    to_status=path[step + 1] if step + 1 < len(path) else KaStatus.RUNNING,
                    reason="Lasttest",
                    created_at=timezone.now() - timedelta(days=rng.randint(0, 2000)),
                )
            )
        AuditEvent.objects.bulk_create(events, batch_size=5_000)
    return {
        "ka": Kernaktivitaet.objects.count(),
        "statusberichte": Statusbericht.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "open_overdue": Statusbericht.objects.filter(
            state__in=[StatusberichtState.DUE, StatusberichtState.RETURNED], faellig_am__lt=today
        ).count(),
    }


def sample_codes() -> tuple[list[str], list[int]]:
    from governance.models import Kernaktivitaet, Kompetenz
    from governance.selectors import kernaktivitaet_public_q

    # The load is anonymous, so it asks for the pages the public may see.
    public = Kernaktivitaet.objects.filter(kernaktivitaet_public_q())
    codes = list(public.order_by("?").values_list("code", flat=True)[:500])
    return codes, list(Kompetenz.objects.values_list("pk", flat=True))


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/impressum/", timeout=10) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    server.wait(timeout=30)
    raise SystemExit("gunicorn did not answer within 60 s")


def make_request_plan(codes: list[str], kompetenz_ids: list[int], rng: random.Random) -> tuple[str, str]:
    kind = rng.choices(["overview", "search", "dashboard", "ka_page"], weights=[3, 1, 3, 3])[0]
    if kind == "dashboard":
        return kind, "/dashboard/"
    if kind == "ka_page":
        return kind, f"/kernaktivitaeten/{rng.choice(codes)}/"
    if kind == "search":
        return kind, f"/kernaktivitaeten/?q={rng.choice(['Bildung', 'Quartier', 'Klima', 'Markthalle'])}"
    variants = [
        "/kernaktivitaeten/",
        f"/kernaktivitaeten/?page={rng.randint(1, 50)}",
        f"/kernaktivitaeten/?kompetenz={rng.choice(kompetenz_ids)}&status=running&sort=-titel",
        "/kernaktivitaeten/?sort=tranche&page=3",
        "/kernaktivitaeten/?overdue=on&page=2",
    ]
    return kind, rng.choice(variants)


def run_load(
    base: str, users: int, total: int, duration: float, warmup: int, codes: list[str], kompetenzen: list[int]
):
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    issued = 0
    deadline = time.monotonic() + duration

    def worker(seed: int) -> None:
        nonlocal issued
        rng = random.Random(seed)
        while True:
            with lock:
                if issued >= total + warmup or time.monotonic() > deadline:
                    return
                issued += 1
                measured = issued > warmup
            kind, path = make_request_plan(codes, kompetenzen, rng)
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(base + path, timeout=60) as response:
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            elapsed = time.perf_counter() - started
            if measured:
                with lock:
                    if ok:
                        timings[kind].append(elapsed)
                    else:
                        errors[kind] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(users)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, errors, time.monotonic() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def machine(database_url: str) -> list[str]:
    import psycopg

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        pass
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        postgres = f"PostgreSQL {row[0] if row else '?'}"
    return [
        f"{platform.node()}: {cpu}, {os.cpu_count()} logical CPUs, {memory}",
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"{postgres} on 127.0.0.1",
    ]


def main() -> None:
    args = parse_args()
    if urlparse(args.database_url).hostname not in {"127.0.0.1", "localhost"}:
        raise SystemExit("The benchmark only talks to a database on 127.0.0.1.")
    env = environment(args.database_url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    ensure_database(args.database_url, args.reseed)
    seeding = time.monotonic()
    counts = seed(args.ka, args.rows)
    print(f"data: {counts} (seeded/checked in {time.monotonic() - seeding:.0f} s)")
    codes, kompetenzen = sample_codes()
    from django.db import connections

    connections.close_all()
    port = args.port or free_port()
    load_before = os.getloadavg()[0]
    server = start_server(env, port, args.workers)
    try:
        timings, errors, wall = run_load(
            f"http://{HOST}:{port}", args.users, args.requests, args.duration, args.warmup, codes, kompetenzen
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("machine:")
    for line in machine(args.database_url):
        print(f"  {line}")
    print(f"  load average (1 min) before the run {load_before:.1f}, after {os.getloadavg()[0]:.1f}")
    measured = sum(len(v) for v in timings.values())
    print(
        f"load: {args.users} concurrent users, gunicorn {args.workers} sync workers, "
        f"{measured} measured requests in {wall:.1f} s ({measured / wall:.1f} req/s), "
        f"{args.warmup} warm-up requests not counted"
    )
    print(
        f"{'page':<12}{'requests':>10}{'errors':>8}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'mean ms':>10}"
    )
    for kind in ("overview", "search", "dashboard", "ka_page"):
        values = timings.get(kind, [])
        if not values:
            print(f"{kind:<12}{0:>10}{errors.get(kind, 0):>8}")
            continue
        print(
            f"{kind:<12}{len(values):>10}{errors.get(kind, 0):>8}"
            f"{percentile(values, 0.5) * 1000:>10.0f}{percentile(values, 0.95) * 1000:>10.0f}"
            f"{max(values) * 1000:>10.0f}{statistics.fmean(values) * 1000:>10.0f}"
        )


if __name__ == "__main__":
    main()
