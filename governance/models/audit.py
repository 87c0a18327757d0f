import datetime
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .kernaktivitaet import KaStatus, Kernaktivitaet
from .resolutions import Resolution, ResolutionResult

GENESIS_HASH = "0" * 64
# The fields a link's hash covers, by column name, in this order; the row id is not among them because it is
# only known after the insert, the chain position (seq) stands for it.
CHAINED_FIELDS = (
    "seq",
    "kernaktivitaet_id",
    "subject",
    "action",
    "from_status",
    "to_status",
    "actor_id",
    "on_behalf_of_id",
    "reason",
    "resolution_id",
    "data",
    "created_at",
)


class AuditAction(models.TextChoices):
    """Every action code the audit trail holds, with the German label pages and mails show for it: what
    happened, said as a finished step. workflow.rights.Action names the same codes as things to do; a test
    holds both in step."""

    CREATE = "create", _("Vorschlag angelegt")
    EDIT = "edit", _("Vorschlag bearbeitet")
    SUBMIT = "submit", _("Vorschlag eingereicht")
    ZIRKEL_RETURN = "zirkel_return", _("Vom Strategiezirkel an die Projektgruppe zurückgegeben")
    ZIRKEL_FORWARD = "zirkel_forward", _("Vom Strategiezirkel an den Verwaltungsvorstand weitergeleitet")
    BOARD_APPROVE = "board_approve", _("Vom Verwaltungsvorstand dem Rat zur Entscheidung vorgelegt")
    BOARD_REJECT = "board_reject", _("Vom Verwaltungsvorstand abgelehnt")
    BOARD_RETURN = "board_return", _("Vom Verwaltungsvorstand an den Strategiezirkel zurückgegeben")
    COUNCIL_RECORD = "council_record", _("Ratsbeschluss erfasst")
    PROPOSE_COMPLETION = "propose_completion", _("Abschluss vorgeschlagen")
    CONFIRM_COMPLETION = "confirm_completion", _("Abschluss vom Strategiezirkel bestätigt")
    DECLINE_COMPLETION = "decline_completion", _("Abschluss vom Strategiezirkel nicht bestätigt")
    PROPOSE_STOP = "propose_stop", _("Einstellung vorgeschlagen")
    PROPOSE_MERGE = "propose_merge", _("Überführung vorgeschlagen")
    BOARD_STOP = "board_stop", _("Einstellung vom Verwaltungsvorstand beschlossen")
    BOARD_MERGE = "board_merge", _("Überführung vom Verwaltungsvorstand beschlossen")
    BOARD_KEEP = "board_keep", _("Weiterführung vom Verwaltungsvorstand beschlossen")
    SUBMIT_REPORT = "submit_report", _("Sachstandsbericht eingereicht")
    REVIEW_REPORT = "review_report", _("Sachstandsbericht geprüft")
    COMMENT = "add_comment", _("Kommentar geschrieben")
    STATUSBERICHT_SUBMITTED = "statusbericht_submitted", _("Sachstandsbericht eingereicht")
    STATUSBERICHT_ACCEPTED = "statusbericht_accepted", _("Sachstandsbericht angenommen")
    STATUSBERICHT_RETURNED = "statusbericht_returned", _("Sachstandsbericht zur Überarbeitung zurückgegeben")
    STATUSBERICHT_CANCELLED = "statusbericht_cancelled", _("Sachstandsbericht entfällt")
    DOCUMENT_UPLOAD = "document_upload", _("Dokument hochgeladen")
    DOCUMENT_REMOVE = "document_remove", _("Dokument entfernt")
    ADMIN_ADD = "admin_add", _("In der Verwaltung angelegt")
    ADMIN_CHANGE = "admin_change", _("In der Verwaltung geändert")
    ADMIN_DELETE = "admin_delete", _("In der Verwaltung gelöscht")
    ADMIN_RIGHTS = "admin_rights", _("Rechte in der Verwaltung geändert")


# The council's outcome says more than "resolution recorded".
COUNCIL_RESULT_LABELS = {
    ResolutionResult.ADOPTED: _("Vom Rat beschlossen"),
    ResolutionResult.ADOPTED_AMENDED: _("Vom Rat mit Änderungen beschlossen"),
    ResolutionResult.REJECTED: _("Vom Rat abgelehnt"),
    ResolutionResult.DEFERRED: _("Im Rat vertagt"),
}
UNKNOWN_ACTION_LABEL = _("Sonstiger Schritt")


def audit_action_label(action: str, data: Mapping[str, Any] | None = None) -> str:
    """The German label of an action code; never the code itself (an unknown code gets a generic label)."""
    if action == AuditAction.COUNCIL_RECORD and data and data.get("result") in COUNCIL_RESULT_LABELS:
        return str(COUNCIL_RESULT_LABELS[data["result"]])
    if action in AuditAction.values:
        return str(AuditAction(action).label)
    return str(UNKNOWN_ACTION_LABEL)


class AppendOnlyError(Exception):
    pass


def _utc(value: datetime.datetime) -> str:
    if timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chain_hash(values: Mapping[str, Any], previous_hash: str) -> str:
    """sha256 over the previous link and a canonical form of the event (format v1).

    The details go through a JSON round trip first, so that what is hashed at insert time equals what the
    database gives back later (tuples become lists, key order does not matter)."""
    payload = [
        "v1",
        *(
            _utc(values[name])
            if name == "created_at"
            else json.loads(json.dumps(values[name]))
            if name == "data"
            else values[name]
            for name in CHAINED_FIELDS
        ),
    ]
    canonical = json.dumps(payload, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{previous_hash}\n{canonical}".encode("ascii")).hexdigest()


class AuditChain(models.Model):
    """The head of the audit chain: one row, locked by every append so that concurrent writers line up
    behind each other instead of forking the chain, and the last link for the check of the tail."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    HEAD = 1

    class Meta:
        verbose_name = _("Protokollkette")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.seq}: {self.hash}"


def _lock_head(using: str) -> AuditChain:
    head = AuditChain.objects.using(using).select_for_update().filter(pk=AuditChain.HEAD).first()
    if head is None:
        # Only after a flush of all tables (tests): the chain starts again with the empty audit table.
        AuditChain.objects.using(using).bulk_create([AuditChain(pk=AuditChain.HEAD)], ignore_conflicts=True)
        head = AuditChain.objects.using(using).select_for_update().get(pk=AuditChain.HEAD)
    return head


def _append(events: Iterable["AuditEvent"], using: str, insert: Any) -> Any:
    """Link the events to the chain and insert them while the head is locked (savepoint-free: the
    caller's transaction holds the lock until it commits)."""
    with transaction.atomic(using=using, savepoint=False):
        head = _lock_head(using)
        seq, previous = head.seq, head.hash
        for event in events:
            seq += 1
            event.seq = seq
            event.previous_hash = previous
            event.hash = chain_hash(event.chain_values(), previous)
            previous = event.hash
        result = insert()
        AuditChain.objects.using(using).filter(pk=AuditChain.HEAD).update(seq=seq, hash=previous)
        return result


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events are append-only.")

    def bulk_create(  # type: ignore[override]
        self, objs: Iterable["AuditEvent"], batch_size: int | None = None, **kwargs: Any
    ) -> list["AuditEvent"]:
        events = list(objs)
        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
            raise AppendOnlyError("Audit events are inserted once, never merged.")
        insert = super().bulk_create
        return _append(events, self.db, lambda: insert(events, batch_size=batch_size, **kwargs))  # type: ignore[arg-type]


class AuditEvent(models.Model):
    """One transition, decision or administrative change; rows are only ever inserted (triggers and the
    database role of the application guard PostgreSQL), each linked by hash to the one before it."""

    kernaktivitaet = models.ForeignKey(
        Kernaktivitaet,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("Kernaktivität"),
    )
    # What an event not about one KA concerns (a council paper, a group, a user's rights), and for admin
    # edits of a KA the object that was changed.
    subject = models.CharField(_("Gegenstand"), max_length=200, blank=True, default="")
    action = models.CharField(_("Aktion"), max_length=40)
    from_status = models.CharField(_("von"), max_length=20, choices=KaStatus.choices, blank=True)
    to_status = models.CharField(_("nach"), max_length=20, choices=KaStatus.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handelnde Person"),
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("in Vertretung für"),
    )
    reason = models.TextField(_("Begründung"), blank=True)
    resolution = models.ForeignKey(
        Resolution,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("Ratsbeschluss"),
    )
    data = models.JSONField(_("Details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now, db_index=True)
    seq = models.BigIntegerField(_("Position in der Kette"), unique=True, editable=False)
    previous_hash = models.CharField(_("Prüfsumme des Vorgängers"), max_length=64, editable=False)
    hash = models.CharField(_("Prüfsumme"), max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokolleinträge")
        ordering = ["kernaktivitaet", "created_at", "pk"]
        default_permissions = ("add", "view")

    def __str__(self) -> str:
        about = self.kernaktivitaet.code if self.kernaktivitaet is not None else self.subject
        return f"{about}: {self.action} {self.from_status}→{self.to_status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Audit events are append-only.")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        _append([self], using, lambda: super(AuditEvent, self).save(*args, **kwargs))

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events are append-only.")

    @property
    def action_label(self) -> str:
        return audit_action_label(self.action, self.data if isinstance(self.data, dict) else None)

    def chain_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CHAINED_FIELDS}
