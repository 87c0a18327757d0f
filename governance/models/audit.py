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
from .resolutions import Resolution

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

    def chain_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CHAINED_FIELDS}
