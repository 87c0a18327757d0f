"""Query budget: one human-task decision (claim and execute, rights, audit, outbox rows, next task) runs at
most 20 statements, and the same number with 10 KA as with 5,000.

Inside the test's transaction the decision's own transaction shows up as SAVEPOINT/RELEASE, which stand for
BEGIN/COMMIT in production and are counted.
"""

from datetime import date, datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.models import (
    AgendaItem,
    Consultation,
    Gremium,
    Kernaktivitaet,
    Meeting,
    Paper,
    Resolution,
    ResolutionResult,
)
from tests.people import make_ka, propose
from workflow import services
from workflow.rights import Action

from .helpers import open_task

pytestmark = pytest.mark.postgres

# 20, plus the audit chain's two statements per event (lock the chain head, move it), plus the look-up of
# the report an ending KA still owes (closed as "entfällt" in the same transaction).
BUDGET = 23
# A submission also freezes the Steckbrief into its next version: the latest version, the KA with the
# Steckbrief, its five lists, the names of the Querschnittsthemen (what must be rated) and the version's row.
FREEZE = 9
BUDGETS = {"submit": 17 + FREEZE}


def _fill(kompetenz, count):
    start = Kernaktivitaet.objects.count()
    Kernaktivitaet.objects.bulk_create(
        Kernaktivitaet(code=f"BULK-{i:05d}", titel=f"Masse {i}", kompetenz=kompetenz, status="running")
        for i in range(start, start + count)
    )


def _proposal_at(people, kompetenz, node):
    ka = propose(actor=people.pg, kompetenz=kompetenz, titel="Budget")
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=ka)
    if node == "rework":
        task = open_task(ka, "zirkel_review")
        services.task_decide(actor=people.zirkel, task_id=task.pk, action=Action.ZIRKEL_RETURN, reason="mehr")
    if node in ("board_decision", "council_record"):
        task = open_task(ka, "zirkel_review")
        services.task_decide(actor=people.zirkel, task_id=task.pk, action=Action.ZIRKEL_FORWARD, reason="gut")
    if node == "council_record":
        task = open_task(ka, "board_decision")
        services.task_decide(actor=people.vorstand, task_id=task.pk, action=Action.BOARD_APPROVE)
    return ka, open_task(ka, node)


def _resolution(people, ka, result):
    council = Gremium.objects.get_or_create(name="Rat", defaults={"art": Gremium.Art.RAT})[0]
    number = Resolution.objects.count() + 1
    meeting = Meeting.objects.create(
        name="Sitzung", start=timezone.make_aware(datetime(2026, 9, number, 15)), organization=council
    )
    item = AgendaItem.objects.create(meeting=meeting, name="TOP")
    paper = Paper.objects.create(reference=f"B-{number}", name="Vorlage", date=date(2026, 9, 1))
    consultation = Consultation.objects.create(
        paper=paper, meeting=meeting, agenda_item=item, organization=council
    )
    return Resolution.objects.create(
        consultation=consultation,
        kernaktivitaet=ka,
        result=result,
        deferred_to=date(2026, 12, 1) if result == ResolutionResult.DEFERRED else None,
        recorded_by=people.ratsbuero,
    )


def prepare(case, people, kompetenz, serial):
    """A task ready for the decision ``case``; returns a callable making the decision."""
    if case in ("zirkel_forward", "zirkel_return"):
        _ka, task = _proposal_at(people, kompetenz, "zirkel_review")
        return people.zirkel, dict(task_id=task.pk, action=case, reason="Begründung")
    if case == "submit":
        _ka, task = _proposal_at(people, kompetenz, "rework")
        return people.pg, dict(task_id=task.pk, action=Action.SUBMIT)
    if case in ("board_approve", "board_reject", "board_return"):
        _ka, task = _proposal_at(people, kompetenz, "board_decision")
        return people.vorstand, dict(task_id=task.pk, action=case, reason="Begründung")
    if case.startswith("council_"):
        result = case.removeprefix("council_")
        ka, task = _proposal_at(people, kompetenz, "council_record")
        return people.ratsbuero, dict(
            task_id=task.pk, action=Action.COUNCIL_RECORD, resolution=_resolution(people, ka, result)
        )
    ka = make_ka(kompetenz, f"RUN-{case}-{serial}", lead=people.pg)
    if case in ("confirm_completion", "decline_completion"):
        services.kernaktivitaet_propose_completion(actor=people.pg, kernaktivitaet=ka)
        task = open_task(ka, "confirm_completion")
        return people.zirkel, dict(task_id=task.pk, action=case, reason="Begründung")
    target = make_ka(kompetenz, f"TGT-{case}-{serial}")
    services.kernaktivitaet_propose_stop(
        actor=people.pg, kernaktivitaet=ka, reason="Grund", merge_target=target
    )
    task = open_task(ka, "board_stop_merge")
    return people.vorstand, dict(task_id=task.pk, action=case, reason="Begründung")


CASES = [
    "submit",
    "zirkel_forward",
    "zirkel_return",
    "board_approve",
    "board_reject",
    "board_return",
    "council_adopted",
    "council_rejected",
    "council_deferred",
    "confirm_completion",
    "decline_completion",
    "board_stop",
    "board_merge",
    "board_keep",
]


def measure(actor, kwargs):
    # A fresh user object and cold caches: the count must not depend on what ran before.
    actor = get_user_model().objects.get(pk=actor.pk)
    ContentType.objects.clear_cache()
    ContentType.objects.get_for_model(Kernaktivitaet)
    with CaptureQueriesContext(connection) as queries:
        services.task_decide(actor=actor, **kwargs)
    return len(queries), [q["sql"][:120] for q in queries.captured_queries]


@pytest.mark.parametrize("case", CASES)
def test_one_decision_within_budget_whatever_the_data_size(case, people, kompetenz):
    _fill(kompetenz, 10)
    small, small_sql = measure(*prepare(case, people, kompetenz, 1))
    _fill(kompetenz, 4990)
    assert Kernaktivitaet.objects.count() >= 5000
    large, large_sql = measure(*prepare(case, people, kompetenz, 2))
    assert small <= BUDGETS.get(case, BUDGET), "\n".join(small_sql)
    assert small == large, "\n".join(large_sql)


def _pending_reviews(people, kompetenz, count):
    for i in range(count):
        ka = propose(actor=people.pg, kompetenz=kompetenz, titel=f"Liste {i}")
        services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=ka)


def _inbox_queries(client):
    # Content types are cached per process: one page view first, so both counts see a warm cache.
    client.get("/aufgaben/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/aufgaben/")
    assert response.status_code == 200
    return len(queries)


def test_inbox_page_runs_a_fixed_number_of_queries(people, kompetenz, client):
    from .test_vertretung import name_deputy

    name_deputy(people.pg_other, people.zirkel)  # a deputy relation adds one person's lists, not one per task
    client.force_login(people.zirkel)
    _pending_reviews(people, kompetenz, 3)
    few = _inbox_queries(client)
    _pending_reviews(people, kompetenz, 30)  # more than a page of the queue
    many = _inbox_queries(client)
    assert few == many
    assert few <= 19
