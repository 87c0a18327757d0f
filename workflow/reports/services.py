"""Every write of status reports (Sachstandsberichte): schedule, submit, accept, return.

Each service checks the person's right, works on the locked report row (of two people pressing at once,
exactly one wins), records an audit event and writes its mails into the outbox in the same transaction.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Exists, Max, OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import Invalid, MovedOn, Refused
from governance.models import (
    Ampel,
    AuditAction,
    AuditEvent,
    KaStatus,
    Kernaktivitaet,
    Statusbericht,
    StatusberichtState,
)
from outbox.delivery import Mail, enqueue

from .. import deadlines, rights
from ..models import DeadlineSettings
from ..people import kompetenz_ids, projektgruppe_ids, role_ids
from ..rights import Action, Role


@dataclass(frozen=True)
class ReportInput:
    ampel_zeitplan: str
    ampel_budget: str
    ampel_umfang: str
    fortschritt_prozent: int
    meilensteine_erreicht: str = ""
    meilensteine_naechste: str = ""
    text_oeffentlich: str = ""
    text_intern: str = ""
    risiken: str = ""


def _today() -> date:
    return timezone.localdate()


def may_submit(user: Any, ka: Kernaktivitaet) -> bool:
    return bool(rights.may(user, Action.SUBMIT_REPORT, ka))


def may_review(user: Any, ka: Kernaktivitaet) -> bool:
    """The Strategiezirkel, or the Kompetenzverantwortliche of the KA's Kompetenz; never a member of the KA's
    own project group (four-eyes)."""
    return bool(rights.may(user, Action.REVIEW_REPORT, ka))


def _locked(bericht: Statusbericht) -> Statusbericht:
    return (
        Statusbericht.objects.select_for_update()
        .select_related("kernaktivitaet__kompetenz")
        .get(pk=bericht.pk)
    )


def _audit(bericht: Statusbericht, actor: Any, action: str, reason: str = "") -> AuditEvent:
    return AuditEvent.objects.create(
        kernaktivitaet=bericht.kernaktivitaet,
        action=str(action),
        actor=actor,
        reason=reason,
        data={
            "statusbericht": bericht.pk,
            "faellig_am": bericht.faellig_am.isoformat(),
            "runde": bericht.runde,
        },
    )


def _reviewer_ids(ka: Kernaktivitaet) -> tuple[set[int], set[int]]:
    return role_ids(Role.STRATEGIEZIRKEL), kompetenz_ids(ka.kompetenz)


def _validate(data: ReportInput) -> None:
    for name in ("ampel_zeitplan", "ampel_budget", "ampel_umfang"):
        if getattr(data, name) not in Ampel.values:
            raise Invalid(_("Bitte wählen Sie für jede Ampel grün, gelb oder rot."), field=name)
    if not isinstance(data.fortschritt_prozent, int) or not 0 <= data.fortschritt_prozent <= 100:
        raise Invalid(
            _("Der Fortschritt ist eine ganze Zahl von 0 bis 100 Prozent."), field="fortschritt_prozent"
        )
    if not data.text_oeffentlich.strip():
        raise Invalid(
            _("Bitte beschreiben Sie den Sachstand für die Öffentlichkeit."), field="text_oeffentlich"
        )


@transaction.atomic
def statusbericht_submit(*, actor: Any, bericht: Statusbericht, data: ReportInput) -> Statusbericht:
    """The project group submits the report it owes."""
    bericht = _locked(bericht)
    ka = bericht.kernaktivitaet
    if not may_submit(actor, ka):
        raise Refused(_("Nur die Projektgruppe dieser Kernaktivität kann ihren Sachstand berichten."))
    if bericht.state not in StatusberichtState.open():
        raise MovedOn(
            _("Dieser Sachstandsbericht ist bereits „%(state)s“.") % {"state": bericht.get_state_display()}
        )
    if ka.status != KaStatus.RUNNING:
        raise MovedOn(_("Nur laufende Kernaktivitäten berichten ihren Sachstand."))
    _validate(data)
    for name, value in data.__dict__.items():
        setattr(bericht, name, value.strip() if isinstance(value, str) else value)
    bericht.state = StatusberichtState.SUBMITTED
    bericht.eingereicht_am = timezone.now()
    bericht.eingereicht_von = actor
    bericht.save()
    _audit(bericht, actor, AuditAction.STATUSBERICHT_SUBMITTED)
    zirkel, kompetenz = _reviewer_ids(ka)
    enqueue(
        [
            Mail(
                key=f"bericht-eingereicht:{bericht.pk}:{bericht.runde}",
                template="bericht_eingereicht",
                context={"statusbericht": bericht.pk},
                to_users=sorted(kompetenz or zirkel),
                cc_users=sorted(zirkel if kompetenz else []),
            )
        ]
    )
    return bericht


def _review(bericht: Statusbericht, actor: Any) -> Statusbericht:
    bericht = _locked(bericht)
    if not may_review(actor, bericht.kernaktivitaet):
        raise Refused(
            _(
                "Sachstandsberichte nehmen der Strategiezirkel oder die Kompetenzverantwortlichen an; "
                "nicht die eigene Projektgruppe."
            )
        )
    if bericht.state != StatusberichtState.SUBMITTED:
        raise MovedOn(
            _("Dieser Sachstandsbericht ist „%(state)s“ und kann nicht geprüft werden.")
            % {"state": bericht.get_state_display()}
        )
    return bericht


def _tell_projektgruppe(bericht: Statusbericht) -> None:
    enqueue(
        [
            Mail(
                key=f"bericht-geprueft:{bericht.pk}:{bericht.runde}:{bericht.state}",
                template="bericht_geprueft",
                context={"statusbericht": bericht.pk, "state": bericht.state, "runde": bericht.runde},
                to_users=sorted(projektgruppe_ids(bericht.kernaktivitaet)),
            )
        ]
    )


@transaction.atomic
def statusbericht_accept(*, actor: Any, bericht: Statusbericht) -> Statusbericht:
    bericht = _review(bericht, actor)
    bericht.state = StatusberichtState.ACCEPTED
    bericht.geprueft_am = timezone.now()
    bericht.geprueft_von = actor
    bericht.rueckgabegrund = ""
    bericht.save(update_fields=["state", "geprueft_am", "geprueft_von", "rueckgabegrund"])
    _audit(bericht, actor, AuditAction.STATUSBERICHT_ACCEPTED)
    _tell_projektgruppe(bericht)
    return bericht


@transaction.atomic
def statusbericht_return(*, actor: Any, bericht: Statusbericht, reason: str) -> Statusbericht:
    """Send the report back with a reason; it is owed again after the configured days, and the reminders
    start over."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Bitte begründen Sie die Rückgabe."), field="reason")
    bericht = _review(bericht, actor)
    bericht.state = StatusberichtState.RETURNED
    bericht.geprueft_am = timezone.now()
    bericht.geprueft_von = actor
    bericht.rueckgabegrund = reason
    bericht.runde += 1
    bericht.nachreichen_bis = deadlines.resubmission_due(_today(), DeadlineSettings.get())
    bericht.save(
        update_fields=["state", "geprueft_am", "geprueft_von", "rueckgabegrund", "runde", "nachreichen_bis"]
    )
    _audit(bericht, actor, AuditAction.STATUSBERICHT_RETURNED, reason)
    _tell_projektgruppe(bericht)
    return bericht


def cancelled_reason(ka_status: str) -> str:
    """Why an owed report entfällt, as stored in the audit trail (German, whatever the reader's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Der Bericht entfällt, weil die Kernaktivität „%(status)s“ ist.") % {
            "status": KaStatus(ka_status).label
        }


def statusberichte_close_for_ended(*, actor: Any, ka: Kernaktivitaet, event: AuditEvent | None = None) -> int:
    """The reports an ended KA still owes (due or returned) entfallen: state "cancelled" with an audit event
    each, in the caller's transaction (the lifecycle's, next to the transition that ended the KA).

    The rows stay: a returned report carries what was submitted and why it came back, and reminders already
    in the outbox find the report closed and are dropped. Submitted and accepted reports are not touched."""
    if ka.status not in KaStatus.ended():
        return 0
    owed = Statusbericht.objects.select_for_update().filter(
        kernaktivitaet=ka, state__in=StatusberichtState.open()
    )
    rows = list(owed.order_by("pk"))
    if not rows:
        return 0
    Statusbericht.objects.filter(pk__in=[row.pk for row in rows]).update(state=StatusberichtState.CANCELLED)
    reason = cancelled_reason(ka.status)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                kernaktivitaet=ka,
                action=AuditAction.STATUSBERICHT_CANCELLED.value,
                actor=actor,
                reason=reason,
                data={
                    "statusbericht": row.pk,
                    "faellig_am": row.faellig_am.isoformat(),
                    "runde": row.runde,
                    **({"event": event.pk} if event is not None else {}),
                },
            )
            for row in rows
        ]
    )
    return len(rows)


@dataclass(frozen=True)
class ScheduleProblem:
    """A KA whose next report could not be scheduled; the sweep shows it to the admin and goes on."""

    kernaktivitaet_id: int
    message: str


@dataclass(frozen=True)
class ScheduleResult:
    created: int
    problems: list[ScheduleProblem]
    scheduled_ids: list[int]


def _insert_reports(rows: list[Statusbericht]) -> tuple[int, list[ScheduleProblem]]:
    """All rows in one statement; should that fail, each row alone in a savepoint, so that one KA whose row
    the database refuses does not keep the others from their reports. A conflict with an existing report (the
    same due date, written by a sweep at the same time) is ignored."""
    if not rows:
        return 0, []
    try:
        with transaction.atomic():
            Statusbericht.objects.bulk_create(rows, ignore_conflicts=True)
        return len(rows), []
    except DatabaseError:
        pass
    created, problems = 0, []
    for row in rows:
        try:
            with transaction.atomic():
                Statusbericht.objects.bulk_create([row], ignore_conflicts=True)
            created += 1
        except DatabaseError as exc:
            problems.append(
                ScheduleProblem(
                    row.kernaktivitaet_id,
                    _("Der Sachstandsbericht zum %(date)s konnte nicht angelegt werden: %(error)s")
                    % {"date": row.faellig_am.strftime("%d.%m.%Y"), "error": str(exc)[:500]},
                )
            )
    return created, problems


def statusberichte_schedule_run(*, today: date | None = None) -> ScheduleResult:
    """Create the next due report of every running KA that owes none; a fixed number of queries.

    The next due date is one period after the last due date (or after the planned start, or the creation of
    the KA), moved on by whole periods past the day the KA started running and the day its last report came
    in, so a KA is never born overdue. Only stored values enter it, never the sweep's "today": two sweeps on
    both sides of midnight compute the same date, and the unique (KA, due date) lets one row in. No stored
    value can make this raise: a KA whose next date cannot be computed (beyond the year 9999) or whose row the
    database refuses is returned as a problem, and every other KA gets its report.
    """
    del today  # kept for callers; the due date depends on stored values only (see above)
    default_months = DeadlineSettings.get().berichtsintervall_monate
    open_reports = Statusbericht.objects.filter(
        kernaktivitaet=OuterRef("pk"), state__in=StatusberichtState.open()
    )
    started = AuditEvent.objects.filter(kernaktivitaet=OuterRef("pk"), to_status=KaStatus.RUNNING).order_by(
        "-pk"
    )
    candidates = (
        Kernaktivitaet.objects.filter(status=KaStatus.RUNNING)
        .annotate(
            has_open=Exists(open_reports),
            last_due=Max("statusberichte__faellig_am"),
            last_in=Max("statusberichte__eingereicht_am"),
            started=Subquery(started.values("created_at")[:1]),
        )
        .filter(has_open=False)
        .values_list(
            "pk",
            "berichtsintervall_monate",
            "last_due",
            "geplanter_start",
            "erstellt_am",
            "last_in",
            "started",
        )
    )
    rows, problems = [], []
    for pk, months, last_due, start, created, last_in, started_at in candidates:
        months = months or default_months
        base = last_due or start or timezone.localtime(created).date()
        moments = (created, last_in, started_at)
        not_before = max(timezone.localtime(t).date() for t in moments if t is not None)
        try:
            due = deadlines.next_due_date(base, months, not_before)
        except (ArithmeticError, ValueError) as exc:  # any other stored value that breaks the arithmetic
            due, detail = None, f"{type(exc).__name__}: {exc}"
        else:
            detail = ""
        if due is None:
            problems.append(
                ScheduleProblem(
                    pk,
                    _(
                        "Der nächste Sachstandsbericht ließe sich erst nach dem Jahr 9999 anlegen "
                        "(Basis %(base)s, Intervall %(months)s Monate). Bitte den geplanten Start oder "
                        "das Berichtsintervall der Kernaktivität prüfen. %(detail)s"
                    )
                    % {"base": base.strftime("%d.%m.%Y"), "months": months, "detail": detail},
                )
            )
            continue
        rows.append(Statusbericht(kernaktivitaet_id=pk, faellig_am=due))
    created_count, insert_problems = _insert_reports(rows)
    problems += insert_problems
    failed = {p.kernaktivitaet_id for p in problems}
    return ScheduleResult(
        created_count, problems, [r.kernaktivitaet_id for r in rows if r.kernaktivitaet_id not in failed]
    )


def statusberichte_schedule(*, today: date | None = None) -> int:
    """``statusberichte_schedule_run`` for callers that only want the count of new reports."""
    return statusberichte_schedule_run(today=today).created
