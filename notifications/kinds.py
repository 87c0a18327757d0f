"""The kinds of mail: for each outbox template, who receives it and what the template is told.

``prepare`` runs at delivery time. It returns None when the mail has become pointless (the report arrived
meanwhile, the decision was taken), so that a reminder queued in the morning is not sent in the afternoon
after the report came in.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import AuditEvent, KaStatus, Kernaktivitaet, StatusberichtState
from governance.selectors import statusbericht_overdue_list
from outbox.delivery import Skip
from outbox.models import OutboxMessage
from workflow import deadlines
from workflow.models import KOMMENTAR_MAX
from workflow.rights import Role

from . import audiences, links, sentences
from .batch import Batch
from .models import Audience, ReminderRule, RuleKind
from .rules import rule_windows


@dataclass
class Prepared:
    to_ids: set[int]
    cc_ids: set[int] = field(default_factory=set)
    context: dict[str, Any] = field(default_factory=dict)
    # Never among the recipients, not even as a deputy of one of them.
    exclude_ids: set[int] = field(default_factory=set)


Preparer = Callable[[OutboxMessage, date, Batch], Prepared | None]
PREPARERS: dict[str, Preparer] = {}


def preparer(name: str) -> Callable[[Preparer], Preparer]:
    def register(func: Preparer) -> Preparer:
        PREPARERS[name] = func
        return func

    return register


def _superseded(reads: Batch, row: OutboxMessage, kind: str, rule: ReminderRule, diff: int) -> str:
    """Why this reminder is no longer the one to send today, or "": a later rule's window or a later
    occurrence of a repeating rule has begun for the same deadline (its own row carries that mail)."""
    windows = rule_windows([r for r in reads.rules.values() if r.kind == kind])
    window = next((w for w in windows if w.rule.pk == rule.pk), None)
    if window is None:
        return _("Die Erinnerungsregel ist nicht mehr aktiv.")
    if window.high is not None and diff >= window.high:
        return _("Ersetzt durch die nächste Erinnerungsstufe derselben Frist.")
    if window.repeat and (diff - window.low) // window.repeat > int(row.context.get("occurrence", 0)):
        return _("Ersetzt durch die nächste Wiederholung derselben Frist.")
    return ""


def _role_ids(reads: Batch, role: Role) -> set[int]:
    return set(reads.roles.get(role.value) or set())


def _audience_ids(reads: Batch, audience: str, ka: Kernaktivitaet) -> set[int]:
    if audience == Audience.STRATEGIEZIRKEL:
        return _role_ids(reads, Role.STRATEGIEZIRKEL)
    if audience == Audience.ZUSTAENDIG:
        role = audiences.DECISION_ROLE.get(KaStatus(ka.status))
        return _role_ids(reads, role) if role else set()
    return set(reads.projektgruppen.get(ka.pk) or set())


def _cc_ids(reads: Batch, rule: ReminderRule, ka: Kernaktivitaet) -> set[int]:
    ids: set[int] = set()
    if rule.kopie_kompetenz:
        ids |= reads.kompetenz_people.get(ka.kompetenz_id) or set()
    if rule.kopie_strategiezirkel:
        ids |= _role_ids(reads, Role.STRATEGIEZIRKEL)
    return ids


@preparer("bericht_erinnerung")
def _report_reminder(row: OutboxMessage, today: date, reads: Batch) -> Prepared | None:
    ctx = row.context
    bericht = reads.berichte.get(ctx["statusbericht"])
    rule = reads.rules.get(ctx["rule"])
    if bericht is None or rule is None:
        return None
    ka = bericht.kernaktivitaet
    if not bericht.is_owed or bericht.runde != ctx["runde"]:
        return None
    frist = bericht.frist
    reason = _superseded(reads, row, RuleKind.REPORT, rule, (today - frist).days)
    if reason:
        raise Skip(reason)
    return Prepared(
        to_ids=_audience_ids(reads, rule.an, ka),
        cc_ids=_cc_ids(reads, rule, ka),
        context={
            "ka": ka,
            "bericht": bericht,
            "frist": frist,
            "ueberfaellig": frist < today,
            "tage_ueberfaellig": (today - frist).days,
            "tage_bis": (frist - today).days,
            "eskalation": rule.an == Audience.STRATEGIEZIRKEL,
            "zurueckgegeben": bericht.state == StatusberichtState.RETURNED,
            "link": links.statusbericht_url(bericht.pk, ka.code),
        },
    )


@preparer("entscheidung_erinnerung")
def _decision_reminder(row: OutboxMessage, today: date, reads: Batch) -> Prepared | None:
    ctx = row.context
    ka = reads.kas.get(ctx["kernaktivitaet"])
    rule = reads.rules.get(ctx["rule"])
    if ka is None or rule is None or ka.status != ctx["status"]:
        return None
    latest = reads.entries.get((ka.pk, ka.status))
    if latest is None or latest != ctx["event"]:
        return None
    event = reads.events.get(latest)
    if event is None:
        return None
    frist = deadlines.decision_deadline(
        ka.status,
        timezone.localtime(event.created_at).date(),
        reads.settings,
        reads.sessions.get(ka.pk) if ka.status == KaStatus.COUNCIL else None,
    )
    if frist < date.max:
        reason = _superseded(reads, row, RuleKind.DECISION, rule, (today - frist).days)
        if reason:
            raise Skip(reason)
    return Prepared(
        to_ids=_audience_ids(reads, rule.an, ka),
        cc_ids=_cc_ids(reads, rule, ka),
        context={
            "ka": ka,
            "status_label": ka.get_status_display(),
            "seit": timezone.localtime(event.created_at).date(),
            "frist": frist,
            "tage_ueberfaellig": (today - frist).days,
            "link": links.kernaktivitaet_url(ka.code, ka.pk),
            "inbox": links.inbox_url(),
        },
    )


def decisions_overdue(reads: Batch, today: date) -> list[dict[str, Any]]:
    """KA waiting for a decision past its time limit (a handful of rows: at most the KA in decision)."""
    cfg = reads.settings
    waiting = list(Kernaktivitaet.objects.filter(status__in=KaStatus.awaiting_decision()).order_by("code"))
    reads.sessions.load(ka.pk for ka in waiting if ka.status == KaStatus.COUNCIL)
    status_of = {ka.pk: ka.status for ka in waiting}
    entered: dict[int, AuditEvent] = {}
    for event in AuditEvent.objects.filter(kernaktivitaet__in=waiting).order_by("pk"):
        ka_id = event.kernaktivitaet_id
        if ka_id is not None and event.to_status == status_of[ka_id]:
            entered[ka_id] = event
    rows = []
    for ka in waiting:
        entry = entered.get(ka.pk)
        if entry is None:
            continue
        session = reads.sessions.get(ka.pk) if ka.status == KaStatus.COUNCIL else None
        frist = deadlines.decision_deadline(
            ka.status, timezone.localtime(entry.created_at).date(), cfg, session
        )
        if frist < today:
            rows.append({"ka": ka, "status_label": ka.get_status_display(), "frist": frist})
    return rows


@preparer("wochenuebersicht")
def _digest(row: OutboxMessage, today: date, reads: Batch) -> Prepared | None:
    year, week, _weekday = today.isocalendar()
    if row.context.get("woche") and row.context["woche"] < f"{year}-W{week:02d}":
        raise Skip(_("Ersetzt durch die Übersicht einer späteren Woche."))
    berichte = list(statusbericht_overdue_list(today=today))
    entscheidungen = decisions_overdue(reads, today)
    if not berichte and not entscheidungen:
        return None
    return Prepared(
        to_ids=_role_ids(reads, Role.STRATEGIEZIRKEL),
        context={
            "berichte": [
                {
                    "bericht": b,
                    "ka": b.kernaktivitaet,
                    "frist": b.frist,
                    "tage": (today - b.frist).days,
                    "link": links.statusbericht_url(b.pk, b.kernaktivitaet.code),
                }
                for b in berichte
            ],
            "entscheidungen": entscheidungen,
            "woche": row.context.get("woche", ""),
            "link": links.absolute("/"),
        },
    )


@preparer("aufgaben_neu")
def _tasks(row: OutboxMessage, today: date, reads: Batch) -> Prepared | None:
    aufgaben = [
        {
            **entry,
            "link": links.task_url(entry["id"]),
            "frist": date.fromisoformat(entry["frist"]) if entry.get("frist") else None,
        }
        for entry in row.context.get("aufgaben", [])
    ]
    titles = {entry["titel"] for entry in aufgaben}
    fristen = [entry["frist"] for entry in aufgaben if entry["frist"]]
    return Prepared(
        to_ids=set(row.to_users),
        cc_ids=set(row.cc_users),
        context={
            "aufgaben": aufgaben,
            "titel": titles.pop() if len(titles) == 1 else "",
            "frist": min(fristen) if fristen else None,
            "inbox": links.inbox_url(),
        },
    )


@preparer("ka_entscheidung")
def _ka_event(row: OutboxMessage, today: date, reads: Batch) -> Prepared | None:
    event = reads.events.get(row.context["event"])
    if event is None or event.kernaktivitaet is None:
        return None
    ka = event.kernaktivitaet
    return Prepared(
        to_ids=set(row.to_users),
        cc_ids=set(row.cc_users),
        context={
            "ka": ka,
            "event": event,
            "von": event.get_from_status_display() if event.from_status else "",
            "nach": event.get_to_status_display() if event.to_status else "",
            "ergebnis": sentences.outcome(event),
            "link": links.kernaktivitaet_url(ka.code, ka.pk),
            # A proposal sent back is the project group's task now: this mail announces it (no second mail).
            "ueberarbeiten": links.proposal_url(ka.pk) if ka.status == KaStatus.PROPOSED else "",
        },
    )


def _bericht_context(row: OutboxMessage, reads: Batch) -> dict[str, Any] | None:
    bericht = reads.berichte.get(row.context["statusbericht"])
    if bericht is None:
        return None
    return {
        "bericht": bericht,
        "ka": bericht.kernaktivitaet,
        "state": row.context.get("state", bericht.state),
        "link": links.statusbericht_url(bericht.pk, bericht.kernaktivitaet.code),
    }


@preparer("bericht_eingereicht")
def _report_submitted(row: OutboxMessage, today: date, reads: Batch) -> Prepared | None:
    context = _bericht_context(row, reads)
    return None if context is None else Prepared(set(row.to_users), set(row.cc_users), context)


@preparer("bericht_geprueft")
def _report_reviewed(row: OutboxMessage, today: date, reads: Batch) -> Prepared | None:
    context = _bericht_context(row, reads)
    if context is None:
        return None
    context["angenommen"] = context["state"] == StatusberichtState.ACCEPTED
    return Prepared(set(row.to_users), set(row.cc_users), context)


def _stored_text(value: str, limit: int) -> str:
    """A stored text as a mail may carry it: no NUL characters (mail servers refuse them), at most ``limit``
    characters (a text stored past the form's limit does not make a mail of a megabyte)."""
    text = value.replace("\x00", "")
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


@preparer("ka_kommentar")
def _ka_comment(row: OutboxMessage, today: date, reads: Batch) -> Prepared | None:
    kommentar = reads.kommentare.get(row.context["kommentar"])
    if kommentar is None:
        return None
    ka = kommentar.kernaktivitaet
    writers = {kommentar.author_id} | ({kommentar.on_behalf_of_id} if kommentar.on_behalf_of_id else set())
    return Prepared(
        to_ids=set(row.to_users) - writers,
        cc_ids=set(row.cc_users) - writers,
        exclude_ids=writers,
        context={
            "ka": ka,
            "kommentar": kommentar,
            # Internal people only, as a decision's reason: the mail carries the comment, as that mail does.
            "text": _stored_text(kommentar.text, KOMMENTAR_MAX),
            "fassung": kommentar.steckbrief_version.nummer if kommentar.steckbrief_version else None,
            "link": f"{links.kernaktivitaet_url(ka.code, ka.pk)}#diskussion",
        },
    )
