from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .kernaktivitaet import KaStatus, Kernaktivitaet
from .resolutions import Resolution


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One transition or decision on a KA; rows are only ever inserted (a trigger guards PostgreSQL too)."""

    kernaktivitaet = models.ForeignKey(
        Kernaktivitaet, models.PROTECT, related_name="audit_events", verbose_name=_("Kernaktivität")
    )
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

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokolleinträge")
        ordering = ["kernaktivitaet", "created_at", "pk"]
        default_permissions = ("add", "view")

    def __str__(self) -> str:
        return f"{self.kernaktivitaet.code}: {self.action} {self.from_status}→{self.to_status}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events are append-only.")
