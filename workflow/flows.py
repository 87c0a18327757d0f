"""The decision process as a viewflow flow: which human task follows which.

The flow never writes a KA status itself. A human task is executed by ``workflow.services.task_decide``,
which asks the lifecycle to make the transition; the gateways after a task then read the KA's new status
and open the next task. So the flow follows the lifecycle and can never disagree with it.

Node names are stored in the database (``viewflow_task.flow_task``): renaming a node needs a data migration.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from governance.models import KaStatus

from .models import KaProcess, ProcessKind
from .rights import Action
from .signals import tasks_created


def _status_is(*statuses: str) -> Any:
    def condition(activation: Any) -> bool:
        return activation.process.kernaktivitaet.status in statuses

    return condition


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
        flow.View(None)
        .Annotation(title=_("Vorschlag prüfen"))
        .Permission("governance.review_proposal")
        .onCreate(this.announce)
        .Next(this.after_review)
    )
    after_review = flow.If(_status_is(KaStatus.PROPOSED)).Then(this.rework).Else(this.board_decision)
    rework = (
        flow.View(None)
        .Annotation(title=_("Vorschlag überarbeiten und erneut einreichen"))
        .Permission("governance.edit_proposal", obj=_kernaktivitaet)
        .onCreate(this.announce)
        .Next(this.zirkel_review)
    )
    board_decision = (
        flow.View(None)
        .Annotation(title=_("Über den Vorschlag entscheiden"))
        .Permission("governance.decide_kernaktivitaet")
        .onCreate(this.announce)
        .Next(this.after_board)
    )
    after_board = (
        flow.Switch()
        .Case(this.council_record, _status_is(KaStatus.COUNCIL))
        .Case(this.zirkel_review, _status_is(KaStatus.ZIRKEL_REVIEW))
        .Default(this.end)
    )
    council_record = (
        flow.View(None)
        .Annotation(title=_("Ratsbeschluss erfassen"))
        .Permission("governance.record_resolution")
        .onCreate(this.announce)
        .Next(this.after_council)
    )
    # A deferred resolution keeps the KA in "council": the clerk records the next session's outcome.
    after_council = flow.If(_status_is(KaStatus.COUNCIL)).Then(this.council_record).Else(this.end)

    # Running KA: completion proposed by the project group, confirmed by the Strategiezirkel.
    start_completion = flow.StartHandle(this.start_process).Next(this.confirm_completion)
    confirm_completion = (
        flow.View(None)
        .Annotation(title=_("Abschluss bestätigen"))
        .Permission("governance.confirm_completion")
        .onCreate(this.announce)
        .Next(this.end)
    )

    # Running KA: stop or merge proposed by the project group or the Zirkel, decided by the board.
    start_stop_merge = flow.StartHandle(this.start_process).Next(this.board_stop_merge)
    board_stop_merge = (
        flow.View(None)
        .Annotation(title=_("Über Einstellung oder Überführung entscheiden"))
        .Permission("governance.decide_kernaktivitaet")
        .onCreate(this.announce)
        .Next(this.end)
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
        tasks_created.send(sender=type(self), tasks=[activation.task], reason=activation.flow_task.name)


START_NODES = {
    ProcessKind.PROPOSAL: KaDecisionFlow.start_proposal,
    ProcessKind.COMPLETION: KaDecisionFlow.start_completion,
    ProcessKind.STOP_MERGE: KaDecisionFlow.start_stop_merge,
}

# What a person may choose on each human task; the lifecycle decides whether it is allowed.
NODE_ACTIONS: dict[str, tuple[Action, ...]] = {
    "zirkel_review": (Action.ZIRKEL_FORWARD, Action.ZIRKEL_RETURN),
    "rework": (Action.SUBMIT,),
    "board_decision": (Action.BOARD_APPROVE, Action.BOARD_REJECT, Action.BOARD_RETURN),
    "council_record": (Action.COUNCIL_RECORD,),
    "confirm_completion": (Action.CONFIRM_COMPLETION, Action.DECLINE_COMPLETION),
    "board_stop_merge": (Action.BOARD_STOP, Action.BOARD_MERGE, Action.BOARD_KEEP),
}
HUMAN_NODES = tuple(NODE_ACTIONS)
