"""The decision process as a viewflow flow: which human task follows which.

The flow never writes a KA status itself. ``workflow.services.task_decide`` locks a human task and hands it
to its node (``DecisionView.decide``), which asks the lifecycle to make the transition; the node's routes
then read the KA's new status and open the next task. So the flow follows the lifecycle and cannot disagree
with it. Decisions lock the process row the way viewflow's ``SelectForUpdateLock`` does (``lock_impl``, used
for starting processes), in the statement that loads the task.

Node names are stored in the database (``viewflow_task.flow_task``): renaming a node needs a data migration.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.activation import Activation
from viewflow.workflow.base import Edge
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.status import STATUS

from core.errors import Invalid
from governance.models import KaStatus

from . import lifecycle, notices
from .models import KaProcess, ProcessKind
from .rights import Action


class RoutedViewActivation(ViewActivation):
    @Activation.status.super()
    def create_next(self) -> Any:
        node = self.flow_task.route(self)
        if node is not None:
            yield node._create(self, self.task.token)


class DecisionView(flow.View):
    """A human task whose next node follows the KA's status after the decision.

    It does what a View followed by a Switch gateway does, without the gateway's own task row and savepoint:
    a decision stays within the query budget of one transition.
    """

    activation_class = RoutedViewActivation

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._routes: list[tuple[Any, tuple[str, ...]]] = []
        self.actions: tuple[Action, ...] = ()

    def Actions(self, *actions: Action) -> "DecisionView":
        """What a person may choose on this task; the first one names the right the task asks for."""
        self.actions = actions
        return self

    def Route(self, node: Any, *statuses: str) -> "DecisionView":
        """Go to ``node`` when the KA is in one of ``statuses`` (none: in any other status)."""
        self._routes.append((node, statuses))
        return self

    def _resolve(self, instance: Any) -> None:
        super()._resolve(instance)
        self._routes = [(this.resolve(instance, node), statuses) for node, statuses in self._routes]

    def _outgoing(self) -> Any:
        for node, statuses in self._routes:
            yield Edge(src=self, dst=node, edge_class="cond_true" if statuses else "default")

    def decide(
        self,
        activation: Any,
        *,
        actor: Any,
        principal: Any,
        action: Action,
        reason: str = "",
        resolution: Any = None,
        merge_target: Any = None,
        task_data: dict[str, Any] | None = None,
    ) -> lifecycle.Applied:
        """Execute the task with ``action``: the lifecycle moves the KA, then the task completes and its
        route opens the next task. The caller holds the process lock and has checked the task is open."""
        task = activation.task
        if action not in self.actions:
            raise Invalid(_("Dieser Schritt passt nicht zu dieser Aufgabe."), field="action")
        if task.status == STATUS.NEW:
            # Claimed and executed in one go: the row is written once, when the task completes.
            task.owner = principal
            task.assigned = timezone.now()
            task.status = STATUS.ASSIGNED
        applied = lifecycle.apply(
            actor=actor,
            action=action,
            kernaktivitaet=activation.process.kernaktivitaet,
            on_behalf_of=principal,
            reason=reason,
            result=resolution.result if resolution is not None else None,
            resolution=resolution,
            merge_target=merge_target,
            data={"task": task.pk},
        )
        # The route reads the new status from the process's KA.
        activation.process.kernaktivitaet = applied.kernaktivitaet
        task.data = {
            **(task_data or {}),
            "action": action.value,
            "audit_event": applied.event.pk,
            "executed_by": actor.pk,
        }
        activation.start(None)
        activation.execute()
        return applied

    def route(self, activation: Any) -> Any:
        status = activation.process.kernaktivitaet.status
        for node, statuses in self._routes:
            if not statuses or status in statuses:
                return node
        return None


def _kernaktivitaet(process: Any) -> Any:
    # The assign view of viewflow passes a plain Process; coerced gives the KaProcess with its KA.
    return process.coerced.kernaktivitaet


class KaDecisionFlow(flow.Flow):
    """Entscheidungsprozess einer Kernaktivität

    Vom Vorschlag über Strategiezirkel, Verwaltungsvorstand und Rat bis zur laufenden KA; bei laufenden KA
    Abschluss, Einstellung oder Überführung.
    """

    process_class = KaProcess
    # Waiting for the process row (instead of viewflow's default NOWAIT with retries) lets the loser of a
    # race see the finished task and get a clear "already decided" instead of a lock failure.
    lock_impl = lock.SelectForUpdateLock(nowait=False, attempts=1)

    # Proposal: from submission to the council resolution.
    start_proposal = flow.StartHandle(this.start_process).Next(this.zirkel_review)
    zirkel_review = (
        DecisionView(None)
        .Actions(Action.ZIRKEL_FORWARD, Action.ZIRKEL_RETURN)
        .Annotation(title=_("Vorschlag prüfen"))
        .Permission("governance.review_proposal")
        .onCreate(this.announce)
        .Route(this.rework, KaStatus.PROPOSED)
        .Route(this.board_decision)
    )
    rework = (
        DecisionView(None)
        .Actions(Action.SUBMIT)
        .Annotation(title=_("Vorschlag überarbeiten und erneut einreichen"))
        .Permission("governance.edit_proposal", obj=_kernaktivitaet)
        .onCreate(this.announce)
        .Route(this.zirkel_review)
    )
    board_decision = (
        DecisionView(None)
        .Actions(Action.BOARD_APPROVE, Action.BOARD_REJECT, Action.BOARD_RETURN)
        .Annotation(title=_("Über den Vorschlag entscheiden"))
        .Permission("governance.decide_kernaktivitaet")
        .onCreate(this.announce)
        .Route(this.council_record, KaStatus.COUNCIL)
        .Route(this.zirkel_review, KaStatus.ZIRKEL_REVIEW)
        .Route(this.end)
    )
    # A deferred resolution keeps the KA in "council": the clerk records the next session's outcome.
    council_record = (
        DecisionView(None)
        .Actions(Action.COUNCIL_RECORD)
        .Annotation(title=_("Ratsbeschluss erfassen"))
        .Permission("governance.record_resolution")
        .onCreate(this.announce)
        .Route(this.council_record, KaStatus.COUNCIL)
        .Route(this.end)
    )

    # Running KA: completion proposed by the project group, confirmed by the Strategiezirkel.
    start_completion = flow.StartHandle(this.start_process).Next(this.confirm_completion)
    confirm_completion = (
        DecisionView(None)
        .Actions(Action.CONFIRM_COMPLETION, Action.DECLINE_COMPLETION)
        .Annotation(title=_("Abschluss bestätigen"))
        .Permission("governance.confirm_completion")
        .onCreate(this.announce)
        .Route(this.end)
    )

    # Running KA: stop or merge proposed by the project group or the Zirkel, decided by the board.
    start_stop_merge = flow.StartHandle(this.start_process).Next(this.board_stop_merge)
    board_stop_merge = (
        DecisionView(None)
        .Actions(Action.BOARD_STOP, Action.BOARD_MERGE, Action.BOARD_KEEP)
        .Annotation(title=_("Über Einstellung oder Überführung entscheiden"))
        .Permission("governance.decide_kernaktivitaet")
        .onCreate(this.announce)
        .Route(this.end)
    )

    end = flow.End()

    def start_process(
        self,
        activation: Any,
        *,
        kernaktivitaet: Any,
        kind: str,
        requested_by: Any = None,
        requested_for: Any = None,
        merge_target: Any = None,
    ) -> KaProcess:
        process = activation.process
        process.kernaktivitaet = kernaktivitaet
        process.kind = kind
        process.requested_by = requested_by
        process.requested_for = requested_for
        process.merge_target = merge_target
        return process

    def announce(self, activation: Any) -> None:
        # The reason ends up in German mails: the task's title says what is to be done.
        reason = str(activation.flow_task.task_title or activation.flow_task.name)
        notices.tasks_notice([activation.task], reason)


START_NODES = {
    ProcessKind.PROPOSAL: KaDecisionFlow.start_proposal,
    ProcessKind.COMPLETION: KaDecisionFlow.start_completion,
    ProcessKind.STOP_MERGE: KaDecisionFlow.start_stop_merge,
}

# What a person may choose on each human task; the lifecycle decides whether it is allowed.
NODE_ACTIONS: dict[str, tuple[Action, ...]] = {
    node.name: node.actions for node in KaDecisionFlow.instance.nodes() if isinstance(node, DecisionView)
}
HUMAN_NODES = tuple(NODE_ACTIONS)
