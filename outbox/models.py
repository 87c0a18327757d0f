"""The outbox's one table: a mail to send, by unique key, with its delivery state per recipient."""

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class OutboxState(models.TextChoices):
    PENDING = "pending", _("wartet")
    SENDING = "sending", _("wird gesendet")
    SENT = "sent", _("gesendet")
    PARTIAL = "partial", _("teilweise zugestellt")
    FAILED = "failed", _("fehlgeschlagen")
    CANCELLED = "cancelled", _("entfallen")
    SKIPPED = "skipped", _("ersetzt")


class OutboxMessage(models.Model):
    """One mail to send, written in the transaction of the event that caused it. Knows no domain: a unique
    key, a template, a JSON context and recipients (user ids); the builder turns them into a mail."""

    key = models.CharField(_("Schlüssel"), max_length=200, unique=True)
    template = models.CharField(_("Vorlage"), max_length=60)
    context = models.JSONField(_("Kontext"), default=dict)
    to_users = models.JSONField(_("an (Personen-IDs)"), default=list, blank=True)
    cc_users = models.JSONField(_("Kopie (Personen-IDs)"), default=list, blank=True)
    category = models.CharField(
        _("Kategorie"), max_length=20, default="pflicht", help_text=_("pflicht, vorab oder digest")
    )
    state = models.CharField(
        _("Zustand"), max_length=20, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    created_at = models.DateTimeField(_("angelegt"), db_default=Now())
    next_attempt_at = models.DateTimeField(_("nächster Versuch ab"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("reserviert bis"), null=True, blank=True)
    enqueued_at = models.DateTimeField(_("zuletzt eingereiht"), null=True, blank=True)
    sent_at = models.DateTimeField(_("gesendet am"), null=True, blank=True)
    recipients_sent = models.TextField(_("gesendet an"), blank=True)
    subject_sent = models.CharField(_("Betreff"), max_length=300, blank=True)
    last_error = models.TextField(_("letzter Fehler"), blank=True)
    # Who holds the claim: completion updates match it, so a worker whose lease ran out cannot mark a row
    # that another worker has claimed since.
    claim_token = models.CharField(_("Reservierung"), max_length=32, blank=True)
    recipients = models.JSONField(
        _("Empfänger"),
        default=dict,
        blank=True,
        help_text=_(
            "je Adresse: gesendet, erneut zu versuchen oder abgelehnt, mit der Antwort des Mailservers"
        ),
    )
    transient = models.BooleanField(
        _("vorübergehender Fehler"),
        default=False,
        help_text=_(
            "Fehlgeschlagen, weil der Mailserver nicht erreichbar war oder 4xx antwortete: geht "
            "automatisch erneut hinaus, sobald er wieder antwortet"
        ),
    )
    skip_reason = models.CharField(_("Grund"), max_length=300, blank=True)

    class Meta:
        # The table keeps the name it had when the outbox was part of the notifications app.
        db_table = "notifications_outboxmessage"
        verbose_name = _("Benachrichtigung")
        verbose_name_plural = _("Benachrichtigungen")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["state", "enqueued_at"],
                condition=models.Q(state__in=["pending", "sending"]),
                name="outbox_open_idx",
            ),
            models.Index(
                fields=["state"],
                condition=models.Q(state="failed", transient=True),
                name="outbox_transient_failed_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.key
