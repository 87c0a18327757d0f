"""Two or eight people press the same button at the same moment: exactly one wins (PostgreSQL row locks)."""

import threading
from typing import Any

import pytest
from django.db import connection
from viewflow.workflow.models import Task

from core.errors import MovedOn
from governance.models import AuditEvent, KaStatus, Kernaktivitaet
from tests.people import make_user
from workflow import services
from workflow.grants import kernaktivitaet_set_projektgruppe
from workflow.models import KaProcess
from workflow.rights import Action, Role

from .helpers import open_task

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(callables: list[Any]) -> tuple[list[Any], list[BaseException]]:
    """Run the callables in threads released together by a barrier; return results and exceptions."""
    barrier = threading.Barrier(len(callables))
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Any) -> None:
        try:
            barrier.wait(timeout=10)
            outcome = call()
            with lock:
                results.append(outcome)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in callables]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


@pytest.mark.parametrize("n", [2, 8])
def test_simultaneous_submissions_have_one_winner(n, people, proposal):
    members = [make_user(f"member{i}", Role.PROJEKTGRUPPE) for i in range(n)]
    kernaktivitaet_set_projektgruppe(kernaktivitaet=proposal, projektleitung=people.pg, mitglieder=members)

    results, errors = race(
        [lambda m=m: services.kernaktivitaet_submit(actor=m, kernaktivitaet=proposal) for m in members]
    )

    assert len(results) == 1
    assert len(errors) == n - 1 and all(isinstance(e, MovedOn) for e in errors), errors
    assert Kernaktivitaet.objects.get(pk=proposal.pk).status == KaStatus.ZIRKEL_REVIEW
    assert AuditEvent.objects.filter(kernaktivitaet=proposal, action="submit").count() == 1
    assert KaProcess.objects.filter(kernaktivitaet=proposal).count() == 1
    assert (
        Task.objects.filter(process__kaprocess__kernaktivitaet=proposal, flow_task_type="HUMAN").count() == 1
    )
    open_task(proposal, "zirkel_review")


@pytest.mark.parametrize("n", [2, 8])
def test_simultaneous_decisions_on_one_task_have_one_winner(n, people, proposal):
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=proposal)
    task = open_task(proposal, "zirkel_review")
    reviewers = [make_user(f"reviewer{i}", Role.STRATEGIEZIRKEL) for i in range(n)]
    actions = [Action.ZIRKEL_FORWARD if i % 2 == 0 else Action.ZIRKEL_RETURN for i in range(n)]

    results, errors = race(
        [
            lambda r=r, a=a: services.task_decide(actor=r, task_id=task.pk, action=a, reason="Begründung")
            for r, a in zip(reviewers, actions, strict=True)
        ]
    )

    assert len(results) == 1
    assert len(errors) == n - 1 and all(isinstance(e, MovedOn) for e in errors), errors
    winner = results[0]
    assert (
        AuditEvent.objects.filter(kernaktivitaet=proposal).exclude(action__in=["create", "submit"]).count()
        == 1
    )
    expected_node = "board_decision" if winner.event.action == Action.ZIRKEL_FORWARD else "rework"
    open_task(proposal, expected_node)
    assert Kernaktivitaet.objects.get(pk=proposal.pk).status == winner.event.to_status
