"""The council's resolutions: the Ratsbüro records a paper's outcome for every KA on it in one step."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from core.errors import Invalid, MovedOn, Refused
from governance.inputs import LONG_TEXT_MAX, session_bounds
from governance.models import (
    AgendaItem,
    Consultation,
    Gremium,
    Kernaktivitaet,
    Meeting,
    Paper,
    Resolution,
    ResolutionResult,
    Tranche,
)

from .. import lifecycle, rights
from ..flows import KaDecisionFlow
from ..grants import kernaktivitaet_grant_from_version
from ..rights import Action
from ..steckbrief_versions import steckbrief_versions_latest
from .tasks import open_task, task_decide


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
    versions = steckbrief_versions_latest([outcome.kernaktivitaet.pk for outcome in outcomes])
    for outcome in outcomes:
        version = versions.get(outcome.kernaktivitaet.pk)
        resolution = Resolution.objects.create(
            consultation=consultation,
            kernaktivitaet=outcome.kernaktivitaet,
            result=outcome.result,
            resolution_text=outcome.resolution_text.strip(),
            deferred_to=outcome.deferred_to if outcome.result == ResolutionResult.DEFERRED else None,
            steckbrief_version=version,
            recorded_by=actor,
        )
        if tranche is not None and outcome.result in ADOPTED_RESULTS:
            # The tranche is not the status: the lifecycle stays its only writer; this is the KA's record.
            Kernaktivitaet.objects.filter(pk=outcome.kernaktivitaet.pk).update(
                tranche=tranche, geaendert_am=timezone.now()
            )
            outcome.kernaktivitaet.tranche = tranche
        task = open_task(outcome.kernaktivitaet.pk, KaDecisionFlow.council_record)
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
        if version is not None and outcome.result in ADOPTED_RESULTS:
            kernaktivitaet_grant_from_version(kernaktivitaet=outcome.kernaktivitaet, version=version)
        resolutions.append(resolution)
    return resolutions
