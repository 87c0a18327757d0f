"""KA loaded from the Bochum data enter the process in their state, without made-up history."""

import pytest
from viewflow.workflow.models import Process

from core.errors import MovedOn
from governance.models import AuditEvent, KaStatus, Kernaktivitaet
from workflow import services
from workflow.grants import kernaktivitaet_set_projektgruppe
from workflow.rights import Action

from .helpers import open_task, status_of


def test_loaded_ka_have_no_process_and_no_audit_history(strategy):
    assert Kernaktivitaet.objects.count() == 65
    assert not AuditEvent.objects.exists()
    assert not Process.objects.exists()


def test_a_loaded_running_ka_can_be_completed_and_a_loaded_done_one_cannot(strategy, people):
    running = Kernaktivitaet.objects.filter(status=KaStatus.RUNNING).order_by("code").first()
    done = Kernaktivitaet.objects.filter(status=KaStatus.DONE).order_by("code").first()
    assert running is not None and done is not None
    for ka in (running, done):
        kernaktivitaet_set_projektgruppe(kernaktivitaet=ka, projektleitung=people.pg, mitglieder=[people.pg])

    services.kernaktivitaet_propose_completion(
        actor=people.pg, kernaktivitaet=running, reason="Ziele erreicht"
    )
    task = open_task(running, "confirm_completion")
    services.task_decide(actor=people.zirkel, task_id=task.pk, action=Action.CONFIRM_COMPLETION)
    assert status_of(running) == KaStatus.DONE

    with pytest.raises(MovedOn, match="bereits entschieden"):
        services.kernaktivitaet_propose_completion(actor=people.pg, kernaktivitaet=done)


def test_a_loaded_running_ka_can_be_merged_into_a_loaded_done_one(strategy, people):
    running = Kernaktivitaet.objects.filter(status=KaStatus.RUNNING).order_by("code").last()
    done = Kernaktivitaet.objects.filter(status=KaStatus.DONE).order_by("code").last()
    assert running is not None and done is not None
    services.kernaktivitaet_propose_stop(
        actor=people.zirkel, kernaktivitaet=running, reason="gleiches Ziel", merge_target=done
    )
    task = open_task(running, "board_stop_merge")
    services.task_decide(
        actor=people.vorstand, task_id=task.pk, action=Action.BOARD_MERGE, reason="zusammenlegen"
    )
    running.refresh_from_db()
    assert (running.status, running.ueberfuehrt_in) == (KaStatus.MERGED, done)
