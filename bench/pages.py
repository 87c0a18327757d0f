"""Load benchmark of the daily pages: KA overview and search, Meine Aufgaben, dashboard and KA page.

Seeds a PostgreSQL database of its own with the real Bochum Strategie plus generated KA (default 10,000),
their decision processes with 100,000 viewflow tasks, staff accounts per role, status reports and audit
events; starts gunicorn on 127.0.0.1 and lets 20 concurrent users (signed-in staff and the anonymous public)
click through the pages. A person reads before the next click: by default 3 s on average (exponentially
distributed, so some click again at once); ``--think 0`` sends the next request the moment the last one
answered, which measures how much the machine takes at most. Prints p50/p95 per page and the machine.

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
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bochum_bench")
    parser.add_argument("--ka", type=int, default=10_000, help="number of KA in total (real ones included)")
    parser.add_argument("--tasks", type=int, default=100_000, help="viewflow tasks of the decision processes")
    parser.add_argument("--reports", type=int, default=20_000, help="status reports")
    parser.add_argument("--events", type=int, default=50_000, help="audit events (KA timelines)")
    parser.add_argument("--users", type=int, default=20, help="concurrent users")
    parser.add_argument(
        "--public-share", type=float, default=0.2, help="share of the users who are the anonymous public"
    )
    parser.add_argument(
        "--think",
        type=float,
        default=3.0,
        help="mean seconds a person reads before the next click (exponential); 0: back to back",
    )
    parser.add_argument("--requests", type=int, default=2_000, help="requests in total (upper bound)")
    parser.add_argument("--duration", type=float, default=600.0, help="seconds at most")
    parser.add_argument("--warmup", type=int, default=30, help="requests before measuring")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument(
        "--cache-url",
        default="rediscache://127.0.0.1:6379/5",
        help="the cache as in production (docker-compose: Redis); emptied before the run",
    )
    parser.add_argument("--reseed", action="store_true", help="drop and recreate the database first")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def environment(database_url: str, cache_url: str) -> dict[str, str]:
    # Static files come from the finders; an empty root keeps WhiteNoise from warning in every worker.
    static_root = ROOT / "var" / "bench-static"
    static_root.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "WHITENOISE_USE_FINDERS": "true",
        "STATIC_ROOT": str(static_root),
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


def seed(total_ka: int, tasks: int, reports: int, events: int) -> dict[str, int]:
    """Real strategy plus generated KA, decision processes with their tasks, staff accounts, status reports
    and audit events (idempotent: tops up to the targets)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from governance.models import (
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

    generated = list(
        Kernaktivitaet.objects.filter(code__startswith="BENCH-").values_list("pk", "status").order_by("pk")
    )
    users = seed_users(generated, rng)
    seed_tasks(generated, tasks, users, rng)
    seed_reports([pk for pk, _status in generated], reports, rng)
    seed_events([pk for pk, _status in generated], events, rng)
    today = timezone.localdate()
    return {
        "ka": Kernaktivitaet.objects.count(),
        "viewflow_tasks": Task.objects.count(),
        "open_tasks": Task.objects.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]).count(),
        "statusberichte": Statusbericht.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "open_overdue_reports": Statusbericht.objects.filter(
            state__in=[StatusberichtState.DUE, StatusberichtState.RETURNED], faellig_am__lt=today
        ).count(),
    }


# The task chain each status leaves behind in the decision process (the open task last, if any).
PROPOSAL_DONE = ["start_proposal", "zirkel_review", "board_decision", "council_record", "end"]
CHAINS: dict[str, list[tuple[str, list[str]]]] = {
    "proposed": [("proposal", ["start_proposal", "zirkel_review", "rework"])],
    "zirkel_review": [("proposal", ["start_proposal", "zirkel_review"])],
    "board_decision": [("proposal", ["start_proposal", "zirkel_review", "board_decision"])],
    "council": [("proposal", ["start_proposal", "zirkel_review", "board_decision", "council_record"])],
    "running": [("proposal", PROPOSAL_DONE)],
    "done": [("proposal", PROPOSAL_DONE), ("completion", ["start_completion", "confirm_completion", "end"])],
    "stopped": [("proposal", PROPOSAL_DONE), ("stop_merge", ["start_stop_merge", "board_stop_merge", "end"])],
    "rejected": [("proposal", ["start_proposal", "zirkel_review", "board_decision", "end"])],
}


NODE_ROLES = {
    "zirkel_review": "Strategiezirkel",
    "confirm_completion": "Strategiezirkel",
    "board_decision": "Verwaltungsvorstand",
    "board_stop_merge": "Verwaltungsvorstand",
    "council_record": "Ratsbuero",
    "rework": "Projektgruppe",
}
# The staff accounts of the load: who works in the app every day, by role.
STAFF = {
    "Strategiezirkel": 5,
    "Verwaltungsvorstand": 3,
    "Ratsbuero": 3,
    "Projektgruppe": 6,
    "Kompetenzverantwortliche": 3,
}


def seed_users(generated: list[tuple[int, str]], rng: random.Random) -> dict[str, list[Any]]:
    """Staff accounts per role; each project lead leads a few dozen generated KA."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from governance.models import Kernaktivitaet, Kompetenz
    from workflow.grants import kernaktivitaet_set_projektgruppe, kompetenz_set_verantwortliche

    User = get_user_model()
    users: dict[str, list[Any]] = {}
    for role, count in STAFF.items():
        group = Group.objects.get(name=role)
        users[role] = []
        for n in range(count):
            user, created = User.objects.get_or_create(
                username=f"bench-{role.lower()}-{n}",
                defaults={"email": f"bench-{role.lower()}-{n}@bochum.example"},
            )
            if created:
                user.set_unusable_password()
                user.save()
                user.groups.add(group)
            users[role].append(user)
    leads = users["Projektgruppe"]
    if not Kernaktivitaet.objects.filter(projektleitung__in=leads).exists():
        for lead in leads:
            for pk, _status in rng.sample(generated, min(40, len(generated))):
                ka = Kernaktivitaet.objects.get(pk=pk)
                kernaktivitaet_set_projektgruppe(kernaktivitaet=ka, projektleitung=lead, mitglieder=[lead])
        for user, kompetenz in zip(
            users["Kompetenzverantwortliche"], Kompetenz.objects.order_by("position"), strict=False
        ):
            kompetenz_set_verantwortliche(kompetenz=kompetenz, users=[user])
    return users


def seed_tasks(
    generated: list[tuple[int, str]], wanted: int, users: dict[str, list[Any]], rng: random.Random
) -> None:
    """Decision processes as the engine leaves them: a KaProcess per process, its viewflow tasks in order.

    Returned-and-resubmitted rounds (Zirkel review, rework) are added until ``wanted`` tasks exist, as real
    proposals go back and forth. Bulk inserts keep seeding fast; the rows have the engine's own shape: done
    tasks name who executed them, some open tasks are claimed by a person of the right role.
    """
    from django.db import connection, transaction
    from django.utils import timezone
    from viewflow.workflow.models import Process, Task
    from viewflow.workflow.status import STATUS

    from workflow.flows import KaDecisionFlow
    from workflow.models import KaProcess

    if Task.objects.count() >= wanted or not generated:
        return
    leads_of: dict[int, Any] = {}
    for lead in users["Projektgruppe"]:
        for pk in lead.geleitete_kernaktivitaeten.values_list("pk", flat=True):
            leads_of[pk] = lead
    already = set(KaProcess.objects.values_list("kernaktivitaet_id", flat=True))
    todo = [(pk, status) for pk, status in generated if pk not in already]
    base = sum(len(chain) for _pk, status in todo for _kind, chain in CHAINS[status])
    rounds_for: dict[int, int] = defaultdict(int)
    for _ in range(max(0, (wanted - Task.objects.count() - base) // 2)):
        rounds_for[rng.choice(todo)[0]] += 1

    def person_for(node: str, pk: int) -> Any:
        if node == "rework":
            return leads_of.get(pk)
        role = NODE_ROLES.get(node)
        return rng.choice(users[role]) if role else None

    now = timezone.now()
    for offset in range(0, len(todo), 1_000):
        plans = []
        for pk, status in todo[offset : offset + 1_000]:
            created = now - timedelta(days=rng.randint(400, 2000))
            for kind, chain in CHAINS[status]:
                nodes = list(chain)
                if kind == "proposal" and rounds_for[pk]:
                    nodes[1:1] = ["zirkel_review", "rework"] * rounds_for[pk]
                plans.append((pk, kind, nodes, created))
                created += timedelta(days=rng.randint(20, 300))
        with transaction.atomic():
            processes = Process.objects.bulk_create(
                Process(
                    flow_class=KaDecisionFlow,
                    status=STATUS.DONE if nodes[-1] == "end" else STATUS.NEW,
                    created=created,
                    finished=created + timedelta(days=7 * len(nodes)) if nodes[-1] == "end" else None,
                )
                for _pk, _kind, nodes, created in plans
            )
            # KaProcess inherits from Process (multi-table), which bulk_create cannot insert.
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {KaProcess._meta.db_table} (process_ptr_id, kernaktivitaet_id, kind) "
                    "VALUES (%s, %s, %s)",
                    [
                        (process.pk, pk, kind)
                        for process, (pk, kind, _n, _c) in zip(processes, plans, strict=True)
                    ],
                )
            tasks: list[Task] = []
            for process, (pk, _kind, nodes, created) in zip(processes, plans, strict=True):
                for index, name in enumerate(nodes):
                    is_open = index == len(nodes) - 1 and name != "end"
                    at = created + timedelta(days=7 * index, hours=rng.randint(0, 8))
                    person = person_for(name, pk)
                    claimed = is_open and person is not None and rng.random() < 0.3
                    if name.startswith("start"):
                        node_type = "START"
                    elif name == "end":
                        node_type = "END"
                    else:
                        node_type = "HUMAN"
                    tasks.append(
                        Task(
                            process=process,
                            flow_task=getattr(KaDecisionFlow, name),
                            flow_task_type=node_type,
                            status=STATUS.ASSIGNED if claimed else STATUS.NEW if is_open else STATUS.DONE,
                            created=at,
                            assigned=at if claimed else None,
                            owner=person if claimed or (not is_open and node_type == "HUMAN") else None,
                            finished=None if is_open else at + timedelta(days=rng.randint(0, 6)),
                            data={"executed_by": person.pk}
                            if person is not None and not is_open and node_type == "HUMAN"
                            else {},
                        )
                    )
            Task.objects.bulk_create(tasks, batch_size=5_000)


def seed_reports(generated: list[int], wanted: int, rng: random.Random) -> None:
    from django.utils import timezone

    from governance.models import Ampel, Statusbericht, StatusberichtState

    missing = wanted - Statusbericht.objects.count()
    if missing <= 0 or not generated:
        return
    today = timezone.localdate()
    per_ka = max(1, -(-missing // len(generated)))
    objs: list[Statusbericht] = []
    for pk in generated:
        for n in range(per_ka):
            due = today - timedelta(days=182 * n + rng.randint(-20, 20))
            objs.append(
                Statusbericht(
                    kernaktivitaet_id=pk,
                    faellig_am=due,
                    state=rng.choice(
                        [StatusberichtState.DUE, StatusberichtState.RETURNED, StatusberichtState.SUBMITTED]
                    )
                    if n == 0
                    else StatusberichtState.ACCEPTED,
                    ampel_zeitplan=rng.choice(list(Ampel)),
                    ampel_budget=rng.choice(list(Ampel)),
                    ampel_umfang=rng.choice(list(Ampel)),
                    fortschritt_prozent=rng.randint(0, 100),
                    text_oeffentlich="Sachstand für die Öffentlichkeit.",
                )
            )
        if len(objs) >= missing:
            break
    Statusbericht.objects.bulk_create(objs[:missing], batch_size=5_000, ignore_conflicts=True)


def seed_events(generated: list[int], wanted: int, rng: random.Random) -> None:
    from django.utils import timezone

    from governance.models import AuditEvent, KaStatus

    missing = wanted - AuditEvent.objects.count()
    if missing <= 0 or not generated:
        return
    path = [KaStatus.PROPOSED, KaStatus.ZIRKEL_REVIEW, KaStatus.BOARD_DECISION, KaStatus.COUNCIL]
    events: list[AuditEvent] = []
    for _ in range(missing):
        step = rng.randrange(len(path))
        events.append(
            AuditEvent(
                kernaktivitaet_id=rng.choice(generated),
                action="transition",
                from_status=path[step],
                to_status=path[step + 1] if step + 1 < len(path) else KaStatus.RUNNING,
                reason="Lasttest",
                created_at=timezone.now() - timedelta(days=rng.randint(0, 2000)),
            )
        )
    AuditEvent.objects.bulk_create(events, batch_size=5_000)


@dataclass
class Visitor:
    """One of the concurrent users: a staff account with its session cookie, or the anonymous public."""

    name: str
    cookie: str | None
    codes: list[str]


def visitors(count: int, public_share: float) -> tuple[list[Visitor], list[int]]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from governance.models import Kernaktivitaet, Kompetenz
    from governance.selectors import kernaktivitaet_public_q, kernaktivitaet_visible_q

    def codes_visible_to(q: Any) -> list[str]:
        return list(Kernaktivitaet.objects.filter(q).order_by("?").values_list("code", flat=True)[:500])

    staff = list(get_user_model().objects.filter(username__startswith="bench-").order_by("username"))
    anonymous = round(count * public_share)
    public_codes = codes_visible_to(kernaktivitaet_public_q())
    result = [Visitor(f"public-{n}", None, public_codes) for n in range(anonymous)]
    for n in range(count - anonymous):
        # Round robin over the roles, so that every role's pages are in the load.
        user = staff[(n * 7) % len(staff)]
        # A real login's session, without posting the login form for every account.
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
        result.append(Visitor(user.username, cookie, codes_visible_to(kernaktivitaet_visible_q(user))))
    return result, list(Kompetenz.objects.values_list("pk", flat=True))


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


PAGES = ("overview", "search", "tasks", "dashboard", "ka_page")


def make_request_plan(visitor: Visitor, kompetenz_ids: list[int], rng: random.Random) -> tuple[str, str]:
    kinds = ["overview", "search", "dashboard", "ka_page"] + (["tasks"] if visitor.cookie else [])
    kind = rng.choices(kinds, weights=[3, 1, 2, 2, 3][: len(kinds)])[0]
    if kind == "tasks":
        return kind, "/aufgaben/"
    if kind == "dashboard":
        return kind, "/dashboard/"
    if kind == "ka_page":
        return kind, f"/kernaktivitaeten/{rng.choice(visitor.codes)}/"
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
    base: str,
    crowd: list[Visitor],
    kompetenzen: list[int],
    *,
    total: int,
    duration: float,
    warmup: int,
    think: float,
) -> tuple[dict[str, list[float]], dict[str, int], float]:
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    issued = 0
    deadline = time.monotonic() + duration

    def worker(visitor: Visitor, seed: int) -> None:
        nonlocal issued
        rng = random.Random(seed)
        headers = {"Accept-Language": "de", "Accept-Encoding": "gzip"}
        if visitor.cookie:
            headers["Cookie"] = visitor.cookie
        while True:
            with lock:
                if issued >= total + warmup or time.monotonic() > deadline:
                    return
                issued += 1
                measured = issued > warmup
            kind, path = make_request_plan(visitor, kompetenzen, rng)
            started = time.perf_counter()
            try:
                request = urllib.request.Request(base + path, headers=headers)
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                    # A lost session would answer with the login page: only the page itself counts.
                    ok = response.status == 200 and "/anmelden/" not in response.url
            except OSError:
                ok = False
            elapsed = time.perf_counter() - started
            if measured:
                with lock:
                    if ok:
                        timings[kind].append(elapsed)
                    else:
                        errors[kind] += 1
            if think:
                # People read before they click again: exponential think time around the mean.
                time.sleep(rng.expovariate(1 / think))

    threads = [threading.Thread(target=worker, args=(v, i)) for i, v in enumerate(crowd)]
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
    if urlparse(args.cache_url).hostname not in {None, "127.0.0.1", "localhost"}:
        raise SystemExit("The benchmark only talks to a cache on 127.0.0.1.")
    env = environment(args.database_url, args.cache_url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    ensure_database(args.database_url, args.reseed)
    seeding = time.monotonic()
    counts = seed(args.ka, args.tasks, args.reports, args.events)
    print(f"data: {counts} (seeded/checked in {time.monotonic() - seeding:.0f} s)")
    crowd, kompetenzen = visitors(args.users, args.public_share)
    from django.core.cache import cache

    # Every run starts cold: no dashboard body left over from an earlier run on the same data.
    cache.clear()
    from django.db import connections

    connections.close_all()
    port = args.port or free_port()
    load_before = os.getloadavg()[0]
    server = start_server(env, port, args.workers)
    try:
        timings, errors, wall = run_load(
            f"http://{HOST}:{port}",
            crowd,
            kompetenzen,
            total=args.requests,
            duration=args.duration,
            warmup=args.warmup,
            think=args.think,
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
        f"load: {args.users} concurrent users ({sum(1 for v in crowd if v.cookie)} signed-in staff, "
        f"{sum(1 for v in crowd if not v.cookie)} public), think time {args.think:g} s, "
        f"gunicorn {args.workers} sync workers, "
        f"{measured} measured requests in {wall:.1f} s ({measured / wall:.1f} req/s), "
        f"{args.warmup} warm-up requests not counted"
    )
    print(
        f"{'page':<12}{'requests':>10}{'errors':>8}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'mean ms':>10}"
    )
    for kind in PAGES:
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
