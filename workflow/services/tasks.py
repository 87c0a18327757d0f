"""Tasks of the decision flow: claim, release and decide, under a row lock, for oneself or as a deputy."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.errors import MovedOn, Refused
from governance.models import (
    Kernaktivitaet,
    Resolution,
)

from .. import lifecycle, rights
from ..flows import NODE_ACTIONS, KaDecisionFlow
from ..models import KaProcess
from ..rights import Action

OPEN = (STATUS.NEW, STATUS.ASSIGNED)
TASK_DONE = _("Diese Aufgabe wurde bereits erledigt.")


def open_task(ka_pk: int, node: Any) -> Task | None:
    return (
        Task.objects.filter(process__kaprocess__kernaktivitaet_id=ka_pk, flow_task=node, status__in=OPEN)
        .order_by("pk")
        .first()
    )


def task_principal(*, actor: Any, task: Task, on_behalf_of: Any = None) -> Any:
    """The person a task is done for: the actor, or the absent person whose claimed task a deputy does.

    Someone else's claim alone makes nobody a principal: only a deputy named today for the owner acts
    for them. Anyone else who finds the task claimed is the principal themselves and is refused by
    ``_check_open`` (before, the owner became the loser's principal and a lost claim "succeeded").
    """
    if on_behalf_of is not None:
        return on_behalf_of
    if task.owner_id is not None and task.owner_id != actor.pk and rights.is_deputy(actor, task.owner_id):
        return _owner(task)
    return actor


def _owner(task: Task) -> Any:
    """The task's owner read now, by the owner id of the locked row (never a join made before the lock)."""
    return get_user_model()._default_manager.get(pk=task.owner_id)


@contextmanager
def _locked_task(task_id: int) -> Iterator[Task]:
    """Open a transaction and load the task with its process and KA, holding the task and process row locks.

    After waiting for another transaction's lock, PostgreSQL returns the locked rows (task, process) as
    that transaction left them, but every other joined row as it was before the wait. So the statement
    joins no nullable relation: a joined owner came back empty (NULL-extended) beside the winner's owner
    id, and the loser was told it had won or got a server error. The owner is read by its id when needed
    (``_owner``); the KA process and KA, joined as required (inner) rows, do not change while a task is
    open, and the lifecycle locks and reads the KA afresh for every transition. One statement keeps a
    decision within its query budget. The process row is the lock viewflow's ``SelectForUpdateLock`` takes.
    """
    with transaction.atomic():
        task = (
            Task.objects.select_related("process__kaprocess__kernaktivitaet")
            .select_for_update(of=("self", "process"))
            # Required, not outer joins: a task of this flow always has its KA process and KA.
            .filter(
                pk=task_id,
                process__flow_class=KaDecisionFlow,
                process__kaprocess__kernaktivitaet__isnull=False,
            )
            .first()
        )
        if task is None:
            raise Refused(_("Diese Aufgabe gibt es nicht."))
        yield task


def _check_open(task: Task, actor: Any, principal: Any) -> None:
    if task.status not in OPEN:
        raise MovedOn(TASK_DONE)
    if task.owner_id is not None and task.owner_id not in (actor.pk, principal.pk):
        raise MovedOn(
            _("Diese Aufgabe hat bereits %(name)s übernommen.") % {"name": _owner(task).get_username()}
        )


def task_claim(*, actor: Any, task_id: int, on_behalf_of: Any = None) -> Task:
    """Take a task from the queue into one's inbox (a deputy takes it into the absent person's inbox)."""
    with _locked_task(task_id) as task:
        principal = task_principal(actor=actor, task=task, on_behalf_of=on_behalf_of)
        _check_open(task, actor, principal)
        if task.owner_id == principal.pk:
            return task
        action = NODE_ACTIONS[task.flow_task.name][0]
        ka = task.process.kaprocess.kernaktivitaet
        verdict = rights.may(
            actor,
            action,
            ka,
            on_behalf_of=principal,
            requester_ids=process_requesters(task.process.kaprocess),
        )
        if not verdict:
            raise Refused(verdict.message)
        activation = task.flow_task.activation_class(task)
        activation.assign(principal)
        return task


def task_release(*, actor: Any, task_id: int) -> Task:
    """Put a claimed task back into the queue."""
    with _locked_task(task_id) as task:
        if task.status == STATUS.NEW:
            raise MovedOn(_("Diese Aufgabe steht bereits wieder allen Berechtigten offen."))
        if task.status != STATUS.ASSIGNED:
            raise MovedOn(TASK_DONE)
        # Only the owner or their deputy for today puts it back (task_principal checks the deputy).
        principal = task_principal(actor=actor, task=task)
        if task.owner_id != principal.pk:
            raise MovedOn(
                _("Diese Aufgabe hat bereits %(name)s übernommen.") % {"name": _owner(task).get_username()}
            )
        task.flow_task.activation_class(task).unassign()
        return task


def process_requesters(process: KaProcess) -> frozenset[int]:
    """Who asked for a completion or stop/merge (and for whom): they may not decide it."""
    return frozenset(pk for pk in (process.requested_by_id, process.requested_for_id) if pk is not None)


def task_decide(
    *,
    actor: Any,
    task_id: int,
    action: Action | str,
    reason: str = "",
    on_behalf_of: Any = None,
    resolution: Resolution | None = None,
    merge_target: Kernaktivitaet | None = None,
    task_data: dict[str, Any] | None = None,
) -> lifecycle.Applied:
    """Claim (if needed) and execute one human task; its flow node has the lifecycle make the transition.

    Everything happens under the process lock in one transaction; the loser of a race gets ``MovedOn``.
    """
    action = Action(action)
    with _locked_task(task_id) as task:
        principal = task_principal(actor=actor, task=task, on_behalf_of=on_behalf_of)
        _check_open(task, actor, principal)
        process = task.process.kaprocess
        if action == Action.BOARD_MERGE and merge_target is None:
            merge_target = process.merge_target
        return task.flow_task.decide(
            task.flow_task.activation_class(task),
            actor=actor,
            principal=principal,
            action=action,
            reason=reason,
            resolution=resolution,
            merge_target=merge_target,
            task_data=task_data,
        )


# ---------------------------------------------------------------------------------- council resolutions
