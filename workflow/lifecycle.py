"""The KA lifecycle (DESIGN.md §3): the only code that writes ``Kernaktivitaet.status``.

Every transition checks the person's right (workflow.rights), checks the state on the locked KA row,
writes the status and exactly one audit event, and the project group's mail, inside the same transaction.
The state graph itself is declared with viewflow's FSM (``viewflow.fsm.base``).
"""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from viewflow.fsm.base import State, TransitionNotAllowed
from viewflow.utils import DEFAULT

from core.errors import Invalid, MovedOn, Refused
from governance.models import AuditEvent, KaStatus, Kernaktivitaet, Resolution, ResolutionResult

from . import notices, rights
from .reports.services import statusberichte_close_for_ended
from .rights import REPORT_ACTIONS, Action
from .steckbrief_versions import latest_version, steckbrief_freeze

ALREADY_DECIDED = _("Diese Kernaktivität wurde bereits entschieden.")
STATE_MOVED_ON = _(
    "Diese Kernaktivität steht inzwischen auf „%(status)s“; der Schritt „%(action)s“ ist nicht mehr möglich."
)

COUNCIL_TARGETS = {
    ResolutionResult.ADOPTED: KaStatus.RUNNING,
    ResolutionResult.ADOPTED_AMENDED: KaStatus.RUNNING,
    ResolutionResult.REJECTED: KaStatus.REJECTED,
    ResolutionResult.DEFERRED: KaStatus.COUNCIL,
}

# The decisions about a proposal's Steckbrief: each names in its audit event the version it was about. A
# submission freezes a new version; a forwarding freezes one only if the Strategiezirkel changed it.
FREEZES = {Action.SUBMIT: False, Action.ZIRKEL_FORWARD: True}
ABOUT_THE_STECKBRIEF = (
    Action.ZIRKEL_RETURN,
    Action.BOARD_APPROVE,
    Action.BOARD_REJECT,
    Action.BOARD_RETURN,
    Action.COUNCIL_RECORD,
)


class _Machine:
    """The state graph of §3 on top of one KA instance; the methods carry no behaviour of their own."""

    status = State(KaStatus, default=KaStatus.PROPOSED)

    def __init__(self, ka: Kernaktivitaet) -> None:
        self.ka = ka

    @status.getter()
    def _get_status(self) -> str:
        return self.ka.status

    @status.setter()
    def _set_status(self, value: str) -> None:
        self.ka.status = value

    @status.transition(source=KaStatus.PROPOSED, target=KaStatus.ZIRKEL_REVIEW)
    def submit(self) -> None:
        pass

    @status.transition(source=KaStatus.ZIRKEL_REVIEW, target=KaStatus.PROPOSED)
    def zirkel_return(self) -> None:
        pass

    @status.transition(source=KaStatus.ZIRKEL_REVIEW, target=KaStatus.BOARD_DECISION)
    def zirkel_forward(self) -> None:
        pass

    @status.transition(source=KaStatus.BOARD_DECISION, target=KaStatus.COUNCIL)
    def board_approve(self) -> None:
        pass

    @status.transition(source=KaStatus.BOARD_DECISION, target=KaStatus.REJECTED)
    def board_reject(self) -> None:
        pass

    @status.transition(source=KaStatus.BOARD_DECISION, target=KaStatus.ZIRKEL_REVIEW)
    def board_return(self) -> None:
        pass

    @status.transition(
        source=KaStatus.COUNCIL,
        target=State.GET_STATE(
            lambda machine, result: COUNCIL_TARGETS[result],
            states=[KaStatus.RUNNING, KaStatus.REJECTED, KaStatus.COUNCIL],
        ),
    )
    def council_record(self, result: str) -> None:
        pass

    # Proposals keep the KA running until the decision; they are transitions without a target.
    @status.transition(source=KaStatus.RUNNING)
    def propose_completion(self) -> None:
        pass

    @status.transition(source=KaStatus.RUNNING, target=KaStatus.DONE)
    def confirm_completion(self) -> None:
        pass

    @status.transition(source=KaStatus.RUNNING)
    def decline_completion(self) -> None:
        pass

    @status.transition(source=KaStatus.RUNNING)
    def propose_stop(self) -> None:
        pass

    @status.transition(source=KaStatus.RUNNING)
    def propose_merge(self) -> None:
        pass

    @status.transition(source=KaStatus.RUNNING, target=KaStatus.STOPPED)
    def board_stop(self) -> None:
        pass

    @status.transition(source=KaStatus.RUNNING, target=KaStatus.MERGED)
    def board_merge(self) -> None:
        pass

    @status.transition(source=KaStatus.RUNNING)
    def board_keep(self) -> None:
        pass


# The lifecycle's transitions, by the action name used in rights and audit.
TRANSITIONS: dict[Action, tuple[frozenset[str], frozenset[str]]] = {}
for _action in Action:
    if _action in (Action.CREATE, Action.EDIT, *REPORT_ACTIONS):
        continue
    _method = getattr(_Machine, _action.value)
    _sources = frozenset(str(t.source) for t in _method.get_transitions())
    _targets = frozenset(
        str(t.source if target is DEFAULT else target)
        for t in _method.get_transitions()
        for target in t.declared_targets()
    )
    TRANSITIONS[_action] = (_sources, _targets)

REQUESTS = {
    Action.PROPOSE_COMPLETION: (Action.CONFIRM_COMPLETION, Action.DECLINE_COMPLETION),
    Action.PROPOSE_STOP: (Action.BOARD_STOP, Action.BOARD_MERGE, Action.BOARD_KEEP),
    Action.PROPOSE_MERGE: (Action.BOARD_STOP, Action.BOARD_MERGE, Action.BOARD_KEEP),
}
ANSWERS = {answer: request for request, answers in REQUESTS.items() for answer in answers}
REASON_REQUIRED = {
    Action.ZIRKEL_RETURN: _("Bitte begründen Sie die Rückgabe."),
    Action.BOARD_REJECT: _("Bitte begründen Sie die Ablehnung."),
    Action.BOARD_RETURN: _("Bitte begründen Sie die Rückgabe."),
    Action.DECLINE_COMPLETION: _("Bitte begründen Sie, warum der Abschluss nicht bestätigt wird."),
    Action.PROPOSE_STOP: _("Bitte begründen Sie den Vorschlag."),
    Action.PROPOSE_MERGE: _("Bitte begründen Sie den Vorschlag."),
    Action.BOARD_STOP: _("Bitte begründen Sie die Einstellung."),
    Action.BOARD_MERGE: _("Bitte begründen Sie die Überführung."),
}


@dataclass(frozen=True)
class Applied:
    kernaktivitaet: Kernaktivitaet
    event: AuditEvent


def _lock(ka_pk: int, *extra: int) -> dict[int, Kernaktivitaet]:
    # Rows are locked in key order, so that two merges pointing at each other cannot deadlock.
    pks = sorted({ka_pk, *extra})
    rows = Kernaktivitaet.objects.select_for_update(of=("self",)).filter(pk__in=pks).order_by("pk")
    found = {ka.pk: ka for ka in rows}
    if ka_pk not in found:
        raise Refused(_("Diese Kernaktivität gibt es nicht."))
    return found


def _open_request(ka: Kernaktivitaet, requests: tuple[Action, ...]) -> AuditEvent | None:
    """The latest request (completion or stop/merge) that has not been answered yet, if any."""
    answers = [answer for answer, request in ANSWERS.items() if request in requests]
    latest = (
        AuditEvent.objects.filter(kernaktivitaet=ka, action__in=[*requests, *answers])
        .order_by("-created_at", "-pk")
        .first()
    )
    return latest if latest is not None and latest.action in requests else None


def _request_family(action: Action) -> tuple[Action, ...]:
    request = ANSWERS.get(action, action)
    if request in (Action.PROPOSE_STOP, Action.PROPOSE_MERGE):
        return (Action.PROPOSE_STOP, Action.PROPOSE_MERGE)
    return (request,)


def apply(
    *,
    actor: Any,
    action: Action | str,
    kernaktivitaet: Kernaktivitaet | int,
    on_behalf_of: Any = None,
    reason: str = "",
    result: str | None = None,
    resolution: Resolution | None = None,
    merge_target: Kernaktivitaet | int | None = None,
    data: dict[str, Any] | None = None,
) -> Applied:
    """Apply one transition to one KA in the caller's transaction (or its own when there is none)."""
    action = Action(action)
    if action not in TRANSITIONS:
        raise Refused(_("Unbekannter Schritt."))
    reason = (reason or "").strip()
    ka_pk = kernaktivitaet if isinstance(kernaktivitaet, int) else kernaktivitaet.pk
    target_pk = merge_target if isinstance(merge_target, int) or merge_target is None else merge_target.pk
    # savepoint=False: inside a flow lock or a service transaction a refusal rolls back the whole unit.
    with transaction.atomic(savepoint=False):
        locked = _lock(ka_pk, *([target_pk] if target_pk is not None else []))
        ka = locked[ka_pk]
        from_status = ka.status

        open_request = None
        if (action in ANSWERS or action in REQUESTS) and ka.status == KaStatus.RUNNING:
            # One request at a time per KA: a completion and a stop cannot wait for decisions side by side.
            open_request = _open_request(ka, tuple(REQUESTS))
        requester_ids = frozenset(
            pk
            for pk in (
                getattr(open_request, "actor_id", None),
                getattr(open_request, "on_behalf_of_id", None),
            )
            if pk is not None
        )
        verdict = rights.may(actor, action, ka, on_behalf_of=on_behalf_of, requester_ids=requester_ids)
        if not verdict:
            raise Refused(verdict.message)

        machine = _Machine(ka)
        method = getattr(machine, action.value)
        if not method.can_proceed():
            if ka.is_terminal:
                raise MovedOn(ALREADY_DECIDED)
            raise MovedOn(STATE_MOVED_ON % {"status": ka.get_status_display(), "action": action.label})
        if action in REQUESTS and open_request is not None:
            raise MovedOn(_("Für diese Kernaktivität liegt bereits ein offener Antrag vor."))
        if action in ANSWERS and (open_request is None or open_request.action not in _request_family(action)):
            raise MovedOn(_("Über diesen Antrag wurde bereits entschieden."))

        if action in REASON_REQUIRED and not reason:
            raise Invalid(REASON_REQUIRED[action], field="reason")
        if action == Action.ZIRKEL_FORWARD and not reason:
            raise Invalid(_("Bitte geben Sie die Beschlussempfehlung an."), field="reason")
        if action == Action.COUNCIL_RECORD:
            _check_council(result, resolution, ka)
        if action in (Action.BOARD_MERGE, Action.PROPOSE_MERGE):
            _check_merge_target(ka, locked.get(target_pk) if target_pk is not None else None)

        try:
            if action == Action.COUNCIL_RECORD:
                method(result=result)
            else:
                method()
        except TransitionNotAllowed as exc:
            raise MovedOn(ALREADY_DECIDED) from exc

        details = dict(data or {})
        version = latest_version(ka) if action in FREEZES or action in ABOUT_THE_STECKBRIEF else None
        # A KA loaded from the strategy has no Steckbrief: it is forwarded without one.
        if action == Action.SUBMIT or (action in FREEZES and version is not None):
            version = steckbrief_freeze(
                actor=actor, kernaktivitaet=ka, last=version, only_if_changed=FREEZES[action]
            )
        if version is not None:
            details["steckbrief_version"] = version.nummer
        if action == Action.BOARD_MERGE:
            ka.ueberfuehrt_in = locked[target_pk]  # type: ignore[index]
        if action in (Action.BOARD_MERGE, Action.PROPOSE_MERGE):
            details["merge_target"] = locked[target_pk].code  # type: ignore[index]
        if result:
            details["result"] = result
        if ka.status != from_status:
            ka.save(update_fields=["status", "ueberfuehrt_in", "geaendert_am"])
        principal = on_behalf_of if on_behalf_of is not None and on_behalf_of.pk != actor.pk else None
        event = AuditEvent.objects.create(
            kernaktivitaet=ka,
            action=action.value,
            from_status=from_status,
            to_status=ka.status,
            actor=actor,
            on_behalf_of=principal,
            reason=reason,
            resolution=resolution,
            data=details,
        )
        if ka.status != from_status:
            # An ended KA owes no report: the open one entfällt in the same transaction.
            statusberichte_close_for_ended(actor=actor, ka=ka, event=event)
        notices.decision_notice(ka, event)
        return Applied(ka, event)


def _check_council(result: str | None, resolution: Resolution | None, ka: Kernaktivitaet) -> None:
    if result not in COUNCIL_TARGETS:
        raise Invalid(_("Bitte wählen Sie das Ergebnis des Ratsbeschlusses."), field="result")
    if resolution is None or resolution.kernaktivitaet_id != ka.pk or resolution.result != result:
        raise Invalid(_("Zum Ergebnis fehlt der passende Ratsbeschluss."), field="result")


def _check_merge_target(ka: Kernaktivitaet, target: Kernaktivitaet | None) -> None:
    if target is None:
        raise Invalid(_("Bitte wählen Sie die Kernaktivität, in die überführt wird."), field="merge_target")
    if target.pk == ka.pk:
        raise Invalid(
            _("Eine Kernaktivität kann nicht in sich selbst überführt werden."), field="merge_target"
        )
    # A merged KA is terminal and a target must be running or done, so no chain of merges can close a
    # cycle: checking the target's state is the cycle check.
    if target.status not in KaStatus.merge_targets():
        raise Invalid(
            _("Überführt werden kann nur in eine laufende oder umgesetzte Kernaktivität."),
            field="merge_target",
        )


def allowed_actions(status: str) -> list[Action]:
    return [action for action, (sources, _targets) in TRANSITIONS.items() if status in sources]


def record_creation(*, actor: Any, kernaktivitaet: Kernaktivitaet) -> AuditEvent:
    """The first audit event of a KA written as a proposal in the product (loaded KA have none)."""
    return AuditEvent.objects.create(
        kernaktivitaet=kernaktivitaet,
        action=Action.CREATE.value,
        from_status="",
        to_status=kernaktivitaet.status,
        actor=actor,
    )
