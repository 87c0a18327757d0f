"""Proposals and requests: a project group proposes a KA, edits and submits it, and asks for its completion,
stop or merge; each starts the flow's process."""

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from core.errors import Invalid, MovedOn, Refused, model_checked
from governance.models import (
    AuditEvent,
    KaStatus,
    Kernaktivitaet,
    Kompetenz,
)

from .. import lifecycle, rights
from ..flows import START_NODES, KaDecisionFlow
from ..grants import kernaktivitaet_set_projektgruppe
from ..models import KaProcess, ProcessKind
from ..rights import Action
from .tasks import open_task, task_decide


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


PROPOSAL_FIELDS = (
    "titel",
    "beschreibung",
    "smart_ziele",
    "geplanter_start",
    "geplantes_ende",
    "schwerpunkt",
    "linienverantwortung",
    "externe_partner",
)


def _next_code(kompetenz: Kompetenz) -> str:
    prefix = f"{kompetenz.code}-V"
    numbers = [
        int(code[len(prefix) :])
        for code in Kernaktivitaet.objects.filter(code__startswith=prefix).values_list("code", flat=True)
        if code[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def _full_clean(ka: Kernaktivitaet) -> None:
    model_checked(ka, exclude=["code", "status", "ueberfuehrt_in", "projektgruppe"])


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


def proposal_editable(*, actor: Any, ka: Kernaktivitaet, on_behalf_of: Any = None) -> bool:
    """A proposal's text can change while it is with the project group, and during the review for those who
    review it (the rights of editing itself are checked apart, by ``rights.may(..., Action.EDIT, ...)``)."""
    return ka.status == KaStatus.PROPOSED or (
        ka.status == KaStatus.ZIRKEL_REVIEW
        and bool(rights.may(actor, Action.ZIRKEL_FORWARD, ka, on_behalf_of=on_behalf_of))
    )


def proposal_moved_on(ka: Kernaktivitaet) -> MovedOn:
    return MovedOn(
        _("Der Vorschlag steht auf „%(status)s“ und kann nicht mehr bearbeitet werden.")
        % {"status": ka.get_status_display()}
    )


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
        if not proposal_editable(actor=actor, ka=ka, on_behalf_of=on_behalf_of):
            raise proposal_moved_on(ka)
        for name, value in values.items():
            setattr(ka, name, value)
        _full_clean(ka)
        ka.save(update_fields=[*values, "geaendert_am"])
    return ka


def kernaktivitaet_submit(*, actor: Any, kernaktivitaet: Kernaktivitaet, on_behalf_of: Any = None) -> Any:
    """Submit a proposal to the Strategiezirkel (after a return: finish the rework task)."""
    rework = open_task(kernaktivitaet.pk, KaDecisionFlow.rework)
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
