"""Every write of the decision process: keyword-only services, one transaction each.

Views and tasks call these; they call the lifecycle for every status change and the flow for the tasks.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.errors import Invalid, MovedOn, Refused
from governance.inputs import LONG_TEXT_MAX, session_bounds
from governance.models import (
    AgendaItem,
    AuditEvent,
    Consultation,
    Gremium,
    KaStatus,
    Kernaktivitaet,
    Kompetenz,
    Meeting,
    Paper,
    Resolution,
    ResolutionResult,
    Tranche,
)

from . import lifecycle, rights
from .flows import NODE_ACTIONS, START_NODES, KaDecisionFlow
from .grants import kernaktivitaet_set_projektgruppe
from .models import KaProcess, ProcessKind
from .rights import Action

OPEN = (STATUS.NEW, STATUS.ASSIGNED)
TASK_DONE = _("Diese Aufgabe wurde bereits erledigt.")


def _start(
    kind: ProcessKind,
    *,
    kernaktivitaet: Kernaktivitaet,
    requested_by: Any = None,
    requested_for: Any = None,
    merge_target: Any = None,
) -> KaProcess:
    return START_NODES[kind].run(
        kernaktivitaet=kernaktivitaet,
        kind=kind,
        requested_by=requested_by,
        requested_for=requested_for,
        merge_target=merge_target,
    )


# ---------------------------------------------------------------------------------------------- proposals


PROPOSAL_FIELDS = ("titel", "beschreibung", "smart_ziele", "geplanter_start", "geplantes_ende", "schwerpunkt")


def _next_code(kompetenz: Kompetenz) -> str:
    prefix = f"{kompetenz.code}-V"
    numbers = [
        int(code[len(prefix) :])
        for code in Kernaktivitaet.objects.filter(code__startswith=prefix).values_list("code", flat=True)
        if code[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def _full_clean(ka: Kernaktivitaet) -> None:
    """The model's validation (lengths, date bounds) as the domain's refusal, naming the first field."""
    try:
        ka.full_clean(exclude=["code", "status", "ueberfuehrt_in", "projektgruppe"])
    except ValidationError as exc:
        errors = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
        field, messages = next(iter(errors.items()))
        raise Invalid(ValidationError(messages).messages[0], field=field) from exc


def _created_with_key(actor: Any, form_key: uuid.UUID) -> Kernaktivitaet | None:
    """The proposal this actor already created from the same form, if any."""
    ka = Kernaktivitaet.objects.filter(vorschlag_schluessel=form_key).first()
    if ka is None:
        return None
    if not AuditEvent.objects.filter(kernaktivitaet=ka, action=Action.CREATE, actor=actor).exists():
        raise Invalid(_("Das Formular ist bereits verwendet. Bitte laden Sie die Seite neu."))
    return ka


def kernaktivitaet_create_proposal(
    *,
    actor: Any,
    kompetenz: Kompetenz,
    titel: str,
    projektleitung: Any = None,
    form_key: uuid.UUID | None = None,
    **values: Any,
) -> Kernaktivitaet:
    """A new proposal; the person who writes it leads its project group unless a lead is named.

    With ``form_key`` (one per opened form) a second submission of the same form returns the proposal the
    first one created: a double click makes one proposal."""
    verdict = rights.may(actor, Action.CREATE, None)
    if not verdict:
        raise Refused(verdict.message)
    unknown = set(values) - set(PROPOSAL_FIELDS)
    if unknown:
        raise Invalid(_("Unbekannte Angaben im Vorschlag."))
    if not (titel or "").strip():
        raise Invalid(_("Bitte geben Sie einen Titel an."), field="titel")
    try:
        with transaction.atomic():
            # The Kompetenz row serialises the numbering of proposals within it (and a double submission).
            Kompetenz.objects.select_for_update().filter(pk=kompetenz.pk).exists()
            if form_key is not None and (earlier := _created_with_key(actor, form_key)) is not None:
                return earlier
            ka = Kernaktivitaet(
                code=_next_code(kompetenz),
                kompetenz=kompetenz,
                titel=titel.strip(),
                vorschlag_schluessel=form_key,
                **values,
            )
            _full_clean(ka)
            ka.save()
            lead = projektleitung or actor
            kernaktivitaet_set_projektgruppe(kernaktivitaet=ka, projektleitung=lead, mitglieder=[lead])
            lifecycle.record_creation(actor=actor, kernaktivitaet=ka)
    except IntegrityError:
        # The same form sent at the same moment for another Kompetenz: the unique key let one through.
        earlier = _created_with_key(actor, form_key) if form_key is not None else None
        if earlier is None:
            raise
        return earlier
    return ka


def kernaktivitaet_update_proposal(
    *, actor: Any, kernaktivitaet: Kernaktivitaet, on_behalf_of: Any = None, **values: Any
) -> Kernaktivitaet:
    """Change the text of a proposal while it is still with the project group or the Strategiezirkel."""
    unknown = set(values) - set(PROPOSAL_FIELDS)
    if unknown:
        raise Invalid(_("Unbekannte Angaben im Vorschlag."))
    with transaction.atomic():
        ka = Kernaktivitaet.objects.select_for_update(of=("self",)).get(pk=kernaktivitaet.pk)
        verdict = rights.may(actor, Action.EDIT, ka, on_behalf_of=on_behalf_of)
        if not verdict:
            raise Refused(verdict.message)
        editable = {KaStatus.PROPOSED}
        if rights.may(actor, Action.ZIRKEL_FORWARD, ka, on_behalf_of=on_behalf_of):
            editable.add(KaStatus.ZIRKEL_REVIEW)
        if ka.status not in editable:
            raise MovedOn(
                _("Der Vorschlag steht auf „%(status)s“ und kann nicht mehr bearbeitet werden.")
                % {"status": ka.get_status_display()}
            )
        for name, value in values.items():
            setattr(ka, name, value)
        _full_clean(ka)
        ka.save(update_fields=[*values, "geaendert_am"])
    return ka


def _open_task(ka_pk: int, node: Any) -> Task | None:
    return (
        Task.objects.filter(process__kaprocess__kernaktivitaet_id=ka_pk, flow_task=node, status__in=OPEN)
        .order_by("pk")
        .first()
    )


def kernaktivitaet_submit(*, actor: Any, kernaktivitaet: Kernaktivitaet, on_behalf_of: Any = None) -> Any:
    """Submit a proposal to the Strategiezirkel (after a return: finish the rework task)."""
    rework = _open_task(kernaktivitaet.pk, KaDecisionFlow.rework)
    if rework is not None:
        return task_decide(actor=actor, task_id=rework.pk, action=Action.SUBMIT, on_behalf_of=on_behalf_of)
    with transaction.atomic():
        applied = lifecycle.apply(
            actor=actor, action=Action.SUBMIT, kernaktivitaet=kernaktivitaet, on_behalf_of=on_behalf_of
        )
        return _start(ProcessKind.PROPOSAL, kernaktivitaet=applied.kernaktivitaet)


# -------------------------------------------------------------------------------- running KA: requests


def kernaktivitaet_propose_completion(
    *, actor: Any, kernaktivitaet: Kernaktivitaet, reason: str = "", on_behalf_of: Any = None
) -> KaProcess:
    with transaction.atomic():
        applied = lifecycle.apply(
            actor=actor,
            action=Action.PROPOSE_COMPLETION,
            kernaktivitaet=kernaktivitaet,
            on_behalf_of=on_behalf_of,
            reason=reason,
        )
        return _start(
            ProcessKind.COMPLETION,
            kernaktivitaet=applied.kernaktivitaet,
            requested_by=actor,
            requested_for=applied.event.on_behalf_of,
        )


def kernaktivitaet_propose_stop(
    *,
    actor: Any,
    kernaktivitaet: Kernaktivitaet,
    reason: str,
    merge_target: Kernaktivitaet | None = None,
    on_behalf_of: Any = None,
) -> KaProcess:
    """Propose to stop a running KA, or (with ``merge_target``) to merge it into another one."""
    with transaction.atomic():
        applied = lifecycle.apply(
            actor=actor,
            action=Action.PROPOSE_MERGE if merge_target is not None else Action.PROPOSE_STOP,
            kernaktivitaet=kernaktivitaet,
            on_behalf_of=on_behalf_of,
            reason=reason,
            merge_target=merge_target,
        )
        return _start(
            ProcessKind.STOP_MERGE,
            kernaktivitaet=applied.kernaktivitaet,
            requested_by=actor,
            requested_for=applied.event.on_behalf_of,
            merge_target=merge_target,
        )


# ------------------------------------------------------------------------------------------ human tasks


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


@dataclass(frozen=True)
class Outcome:
    """The council's result for one KA of a paper."""

    kernaktivitaet: Kernaktivitaet
    result: str
    resolution_text: str = ""
    deferred_to: date | None = None


ADOPTED_RESULTS = (ResolutionResult.ADOPTED, ResolutionResult.ADOPTED_AMENDED)


def _council() -> Gremium:
    council = Gremium.objects.filter(art=Gremium.Art.RAT).order_by("pk").first()
    if council is None:
        council = Gremium.objects.create(name=gettext_now("Rat der Stadt Bochum"), art=Gremium.Art.RAT)
    return council


def _validate_paper(
    *, reference: str, name: str, paper_date: date, session_start: datetime, agenda_number: str
) -> None:
    """What the form checks, checked again where the rows are written: lengths, NUL, plausible dates."""
    texts = (("reference", reference, 40), ("name", name, 300), ("agenda_number", agenda_number, 20))
    for field, value, limit in texts:
        if len(value) > limit or "\x00" in value:
            raise Invalid(
                _("Höchstens %(limit)s Zeichen, ohne Steuerzeichen.") % {"limit": limit}, field=field
            )
    first, last = session_bounds()
    for field, day in (("paper_date", paper_date), ("session_date", timezone.localdate(session_start))):
        if not first <= day <= last:
            raise Invalid(
                _("Bitte geben Sie ein Datum zwischen dem %(minimum)s und dem %(maximum)s an.")
                % {"minimum": formats.date_format(first), "maximum": formats.date_format(last)},
                field=field,
            )
    # The clerk records what the council has resolved: a session still ahead has resolved nothing.
    if timezone.localdate(session_start) > timezone.localdate():
        raise Invalid(
            _("Die Ratssitzung liegt in der Zukunft. Ein Beschluss wird erst nach der Sitzung erfasst."),
            field="session_date",
        )


def _validate_outcomes(outcomes: list[Outcome], session: datetime) -> None:
    if not outcomes:
        raise Invalid(_("Bitte nennen Sie mindestens eine Kernaktivität."), field="outcomes")
    seen: set[int] = set()
    for outcome in outcomes:
        code = outcome.kernaktivitaet.code
        if outcome.kernaktivitaet.pk in seen:
            raise Invalid(_("%(code)s steht doppelt im Beschluss.") % {"code": code}, field="outcomes")
        seen.add(outcome.kernaktivitaet.pk)
        if outcome.result not in ResolutionResult.values:
            raise Invalid(_("Bitte wählen Sie das Ergebnis für %(code)s.") % {"code": code}, field="result")
        if outcome.result == ResolutionResult.ADOPTED_AMENDED and not outcome.resolution_text.strip():
            raise Invalid(
                _("Für %(code)s fehlt der geänderte Beschlusstext.") % {"code": code}, field="resolution_text"
            )
        if outcome.result == ResolutionResult.DEFERRED:
            if outcome.deferred_to is None:
                raise Invalid(
                    _("Für %(code)s fehlt das Datum der neuen Sitzung.") % {"code": code}, field="deferred_to"
                )
            if outcome.deferred_to <= timezone.localdate(session):
                raise Invalid(
                    _("Die neue Sitzung für %(code)s muss nach der Sitzung vom %(date)s liegen.")
                    % {"code": code, "date": formats.date_format(timezone.localdate(session))},
                    field="deferred_to",
                )
            if outcome.deferred_to > session_bounds()[1]:
                raise Invalid(
                    _("Die neue Sitzung für %(code)s liegt zu weit in der Zukunft.") % {"code": code},
                    field="deferred_to",
                )
        if len(outcome.resolution_text) > LONG_TEXT_MAX or "\x00" in outcome.resolution_text:
            raise Invalid(
                _("Der Beschlusstext für %(code)s ist zu lang oder enthält Steuerzeichen.") % {"code": code},
                field="resolution_text",
            )


def paper_record_resolution(
    *,
    actor: Any,
    reference: str,
    name: str,
    paper_date: date,
    session_start: datetime,
    outcomes: list[Outcome],
    agenda_number: str = "",
    tranche: Tranche | None = None,
    on_behalf_of: Any = None,
) -> list[Resolution]:
    """Record the council's resolution on one paper (a single KA or a whole tranche).

    Writes Paper, Meeting, AgendaItem, Consultation (OParl names) and one Resolution per KA, then moves every
    KA through its council task. All KA move together or none does. Every KA the council adopted joins
    ``tranche`` (the tranche in which the council decided it).
    """
    reference = (reference or "").strip()
    if not reference:
        raise Invalid(_("Bitte geben Sie die Drucksachennummer an."), field="reference")
    if not (name or "").strip():
        raise Invalid(_("Bitte geben Sie den Titel der Drucksache an."), field="name")
    _validate_paper(
        reference=reference,
        name=name,
        paper_date=paper_date,
        session_start=session_start,
        agenda_number=agenda_number or "",
    )
    _validate_outcomes(outcomes, session_start)
    for outcome in outcomes:
        verdict = rights.may(actor, Action.COUNCIL_RECORD, outcome.kernaktivitaet, on_behalf_of=on_behalf_of)
        if not verdict:
            raise Refused(verdict.message)
    try:
        with transaction.atomic():
            return _record(
                actor=actor,
                reference=reference,
                name=name.strip(),
                paper_date=paper_date,
                session_start=session_start,
                outcomes=outcomes,
                agenda_number=agenda_number,
                tranche=tranche,
                on_behalf_of=on_behalf_of,
            )
    except IntegrityError as exc:
        raise MovedOn(_("Für diese Drucksache ist in dieser Sitzung bereits ein Beschluss erfasst.")) from exc


def _record(
    *,
    actor: Any,
    reference: str,
    name: str,
    paper_date: date,
    session_start: datetime,
    outcomes: list[Outcome],
    agenda_number: str,
    tranche: Tranche | None,
    on_behalf_of: Any,
) -> list[Resolution]:
    council = _council()
    paper, _created = Paper.objects.get_or_create(
        reference=reference, defaults={"name": name, "date": paper_date}
    )
    meeting, _created = Meeting.objects.get_or_create(
        organization=council,
        start=session_start,
        defaults={
            "name": gettext_now("Sitzung des Rates am %(date)s")
            % {"date": formats.date_format(timezone.localdate(session_start))}
        },
    )
    results = {outcome.result for outcome in outcomes}
    agenda_item = AgendaItem.objects.create(
        meeting=meeting,
        number=agenda_number,
        name=name,
        result=results.pop() if len(results) == 1 else "",
        resolution_text="\n\n".join(
            f"{o.kernaktivitaet.code}: {o.resolution_text.strip()}"
            for o in outcomes
            if o.resolution_text.strip()
        ),
    )
    consultation = Consultation.objects.create(
        paper=paper, meeting=meeting, agenda_item=agenda_item, organization=council
    )
    resolutions = []
    for outcome in outcomes:
        resolution = Resolution.objects.create(
            consultation=consultation,
            kernaktivitaet=outcome.kernaktivitaet,
            result=outcome.result,
            resolution_text=outcome.resolution_text.strip(),
            deferred_to=outcome.deferred_to if outcome.result == ResolutionResult.DEFERRED else None,
            recorded_by=actor,
        )
        if tranche is not None and outcome.result in ADOPTED_RESULTS:
            # The tranche is not the status: the lifecycle stays its only writer; this is the KA's record.
            Kernaktivitaet.objects.filter(pk=outcome.kernaktivitaet.pk).update(
                tranche=tranche, geaendert_am=timezone.now()
            )
            outcome.kernaktivitaet.tranche = tranche
        task = _open_task(outcome.kernaktivitaet.pk, KaDecisionFlow.council_record)
        if task is None:
            # A KA in "council" without a process (entered by hand) still moves through the lifecycle.
            lifecycle.apply(
                actor=actor,
                action=Action.COUNCIL_RECORD,
                kernaktivitaet=outcome.kernaktivitaet,
                on_behalf_of=on_behalf_of,
                result=outcome.result,
                resolution=resolution,
            )
        else:
            task_decide(
                actor=actor,
                task_id=task.pk,
                action=Action.COUNCIL_RECORD,
                on_behalf_of=on_behalf_of,
                resolution=resolution,
                task_data={"paper": paper.reference},
            )
        resolutions.append(resolution)
    return resolutions
