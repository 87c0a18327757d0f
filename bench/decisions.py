"""Decisions per second, in process, on PostgreSQL: the decision engine next to a plain viewflow flow.

The engine's decision is one human task claimed and executed with rights, four-eyes, the KA row lock, the
status write, the audit event, the outbox rows and the next task (``workflow.services.task_decide``). The
baseline is ``bench.reference_flow.ReferenceFlow``: the same three human tasks with viewflow's gateways
and lock and nothing else. Both run the same path: review → board → council, three decisions per item.

Usage (creates and drops its own database ``test_<name>``):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bochum_wf DEBUG=true .venv/bin/python bench/decisions.py
    options: --items 200 (proposals per round), --rounds 5, --ka 5000 (KA in the database)
    CELERY_BROKER_URL=memory:// leaves out the cost of the broker hand-off after each commit;
    --without-outbox writes no mails, to show the engine alone.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The baseline flow lives in the bench app, which only these settings install.
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()

from django.conf import settings  # noqa: E402

# Query logging off, as in production (DEBUG=true is only needed for the settings to load without a key).
settings.DEBUG = False

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        pg = cursor.fetchone()[0].split(",")[0]
    from importlib.metadata import version

    system = f"{platform.system()} {platform.release()}"
    return [
        f"machine:    {platform.machine()} {cpu}, {os.cpu_count()} cores, {system}",
        f"python:     {platform.python_version()}, Django {django.get_version()}, "
        f"django-viewflow {version('django-viewflow')}",
        f"database:   {pg} on {settings.DATABASES['default'].get('HOST') or 'local socket'}",
        f"broker:     {settings.CELERY_BROKER_URL.split('://')[0]}:// (outbox hand-off after each commit)",
    ]


def setup_people():
    from workflow.rights import Role, role_groups_ensure

    role_groups_ensure()
    people = {}
    for name, role in [
        ("bench_pg", Role.PROJEKTGRUPPE),
        ("bench_zirkel", Role.STRATEGIEZIRKEL),
        ("bench_vorstand", Role.VERWALTUNGSVORSTAND),
        ("bench_ratsbuero", Role.RATSBUERO),
    ]:
        user = get_user_model().objects.create_user(name)
        user.groups.add(Group.objects.get(name=role.value))
        people[name.removeprefix("bench_")] = user
    return people


def fill(target: int) -> None:
    from governance.models import Kernaktivitaet, Kompetenz

    kompetenz = Kompetenz.objects.order_by("position").first()
    missing = target - Kernaktivitaet.objects.count()
    if missing > 0:
        Kernaktivitaet.objects.bulk_create(
            Kernaktivitaet(code=f"BENCH-{i:05d}", titel=f"Last {i}", kompetenz=kompetenz, status="running")
            for i in range(missing)
        )


class Engine:
    label = "decision engine (workflow.services.task_decide)"

    def __init__(self, people):
        self.people = people
        self.round = 0

    def prepare(self, items: int):
        """Proposals submitted and waiting in the Zirkel's queue, plus their council resolutions."""
        from governance.models import AgendaItem, Consultation, Gremium, Kompetenz, Meeting, Paper, Resolution
        from workflow import services
        from workflow.examples import example_proposal

        self.round += 1
        today = date.today()
        kompetenz = Kompetenz.objects.order_by("position").first()
        council = Gremium.objects.filter(art=Gremium.Art.RAT).first()
        assert kompetenz is not None and council is not None, (
            "load_strategy provides Kompetenzen and a council"
        )
        meeting = Meeting.objects.create(
            name="Bench",
            start=timezone.make_aware(datetime(2026, 1, 1, 15)) + timedelta(days=self.round),
            organization=council,
        )
        paper = Paper.objects.create(reference=f"BENCH-{self.round}", name="Bench", date=date(2026, 1, 1))
        consultation = Consultation.objects.create(
            paper=paper,
            meeting=meeting,
            agenda_item=AgendaItem.objects.create(meeting=meeting, name="TOP"),
            organization=council,
        )
        work = []
        for i in range(items):
            ka = services.kernaktivitaet_create_proposal(
                actor=self.people["pg"], kompetenz=kompetenz, titel=f"Bench {self.round}/{i}"
            )
            # Submitted with a complete Steckbrief, as every proposal is (its version 1 is frozen then).
            values, steckbrief = example_proposal(kompetenz=kompetenz, lead=self.people["pg"], today=today)
            services.proposal_save(
                actor=self.people["pg"],
                kernaktivitaet=ka,
                values={**values, "titel": ka.titel},
                steckbrief=steckbrief,
                submit=True,
            )
            resolution = Resolution.objects.create(
                consultation=consultation,
                kernaktivitaet=ka,
                result="adopted",
                recorded_by=self.people["ratsbuero"],
            )
            work.append((ka, resolution))
        return work

    def decide_all(self, work) -> int:
        from viewflow.workflow.models import Task

        from workflow import services
        from workflow.rights import Action

        decisions = 0
        for ka, resolution in work:
            for actor, _node, kwargs in (
                ("zirkel", "zirkel_review", {"action": Action.ZIRKEL_FORWARD, "reason": "Empfehlung"}),
                ("vorstand", "board_decision", {"action": Action.BOARD_APPROVE}),
                ("ratsbuero", "council_record", {"action": Action.COUNCIL_RECORD, "resolution": resolution}),
            ):
                task_id = (
                    Task.objects.filter(
                        process__kaprocess__kernaktivitaet=ka, status="NEW", flow_task_type="HUMAN"
                    )
                    .values_list("pk", flat=True)
                    .get()
                )
                services.task_decide(actor=self.people[actor], task_id=task_id, **kwargs)
                decisions += 1
            assert ka.__class__.objects.values_list("status", flat=True).get(pk=ka.pk) == "running"
        return decisions


class Reference:
    label = "plain viewflow flow (bench.reference_flow.ReferenceFlow)"

    def __init__(self, people):
        self.people = people

    def prepare(self, items: int):
        from bench.reference_flow import ReferenceFlow

        return [ReferenceFlow.start.run() for _ in range(items)]

    def decide_all(self, work) -> int:
        from viewflow.workflow.models import Task

        decisions = 0
        for process in work:
            for actor, outcome in (("zirkel", "forward"), ("vorstand", "approve"), ("ratsbuero", "adopt")):
                task = Task.objects.get(process=process, status="NEW", flow_task_type="HUMAN")
                with task.activation() as activation:
                    activation.assign(self.people[actor])
                    activation.start(None)
                    activation.task.data = {"outcome": outcome}
                    activation.execute()
                decisions += 1
        return decisions


class StatementCounter:
    """Counts the statements sent to the database (query logging stays off, as in production)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def run(runners: list, items: int, rounds: int) -> list[dict[str, float]]:
    """Rounds alternate between the runners, so that a busy neighbour on the machine hits both alike."""
    rates: list[list[float]] = [[] for _ in runners]
    for _ in range(rounds):
        for index, runner in enumerate(runners):
            work = runner.prepare(items)
            started = time.perf_counter()
            decisions = runner.decide_all(work)
            rates[index].append(decisions / (time.perf_counter() - started))
    results = []
    for index, runner in enumerate(runners):
        work = runner.prepare(5)
        counter = StatementCounter()
        with connection.execute_wrapper(counter):
            decisions = runner.decide_all(work)
        results.append(
            {
                "median": statistics.median(rates[index]),
                "best": max(rates[index]),
                "worst": min(rates[index]),
                "queries": counter.count / decisions,
            }
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ka", type=int, default=5000)
    parser.add_argument(
        "--without-outbox",
        action="store_true",
        help="write no mails: the engine alone, without outbox rows and hand-off",
    )
    args = parser.parse_args()
    if args.without_outbox:
        from workflow import notices

        notices.decision_notice = lambda kernaktivitaet, event: None
        notices.tasks_notice = lambda tasks, reason="": None
    if connection.vendor != "postgresql":
        sys.exit("bench/decisions.py measures PostgreSQL: set DATABASE_URL=postgres://…")

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with open(os.devnull, "w") as devnull:
            call_command("load_strategy", verbosity=0, stdout=devnull)
        fill(args.ka)
        people = setup_people()
        from governance.models import Kernaktivitaet

        print("\n".join(machine()))
        total = Kernaktivitaet.objects.count()
        print(f"data:       {total} KA; {args.rounds} rounds × {args.items} items × 3 decisions")
        print("each decision: one task claimed and executed in one transaction, in process, one thread")
        if args.without_outbox:
            print("notification receivers disconnected: no outbox rows, no hand-off after commit")
        print()
        print(f"{'':62} {'median':>10} {'best':>10} {'worst':>10} {'queries':>9}")
        runners: list[Engine | Reference] = [Engine(people), Reference(people)]
        for runner, result in zip(runners, run(runners, args.items, args.rounds), strict=True):
            print(
                f"{runner.label:62} {result['median']:>7.1f}/s {result['best']:>7.1f}/s "
                f"{result['worst']:>7.1f}/s {result['queries']:>9.1f}"
            )
        print("(queries: statements per decision, with the lookup of the open task and the outbox hand-off")
        print(" after commit; BEGIN/COMMIT not counted)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
