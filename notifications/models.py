"""Reminder rules, mail preferences and what the sweep could not do."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class RuleKind(models.TextChoices):
    REPORT = "report", _("Sachstandsbericht")
    DECISION = "decision", _("Entscheidung")


class Audience(models.TextChoices):
    PROJEKTGRUPPE = "projektgruppe", _("Projektgruppe")
    ZUSTAENDIG = "zustaendig", _("zuständige Rolle der offenen Entscheidung")
    STRATEGIEZIRKEL = "strategiezirkel", _("Strategiezirkel")


class ReminderRule(models.Model):
    """When, relative to a deadline, who gets a reminder. Offsets in calendar days; mails go out on the next
    working day morning. A rule with a repetition fires again every so many days until the deadline is met."""

    key = models.SlugField(_("Schlüssel"), max_length=40, unique=True)
    kind = models.CharField(_("Art der Frist"), max_length=20, choices=RuleKind.choices)
    name = models.CharField(_("Bezeichnung"), max_length=120)
    offset_tage = models.SmallIntegerField(
        _("Tage relativ zur Frist"), help_text=_("negativ: vor der Frist, positiv: nach der Frist")
    )
    wiederholen_tage = models.PositiveSmallIntegerField(
        _("wiederholen alle (Tage)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leer: einmalig"),
    )
    an = models.CharField(_("an"), max_length=20, choices=Audience.choices)
    kopie_kompetenz = models.BooleanField(_("Kompetenzverantwortliche in Kopie"), default=False)
    kopie_strategiezirkel = models.BooleanField(_("Strategiezirkel in Kopie"), default=False)
    pflicht = models.BooleanField(
        _("Pflichtmitteilung"), default=True, help_text=_("Pflichtmitteilungen kann niemand abbestellen")
    )
    aktiv = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("Erinnerungsregel")
        verbose_name_plural = _("Erinnerungsregeln")
        ordering = ["kind", "offset_tage"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "offset_tage"], name="reminder_rule_offset_unique")
        ]

    def __str__(self) -> str:
        return self.name


class NotificationPreference(models.Model):
    """What a person has opted out of. Overdue notices and decisions are mandatory and always sent."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("Person"),
    )
    vorab_erinnerungen = models.BooleanField(
        _("Erinnerungen vor einer Frist"), default=True, help_text=_("z. B. 14 und 3 Tage vor der Fälligkeit")
    )
    wochenuebersicht = models.BooleanField(_("wöchentliche Übersicht"), default=True)
    kommentare = models.BooleanField(
        _("Kommentare zu Vorschlägen"),
        default=True,
        help_text=_("wenn jemand einen Vorschlag kommentiert, den Sie vorbereiten, prüfen oder entscheiden"),
    )

    class Meta:
        verbose_name = _("Mail-Einstellung")
        verbose_name_plural = _("Mail-Einstellungen")

    def __str__(self) -> str:
        return str(self.user)


class SweepProblemStage(models.TextChoices):
    SCHEDULE = "schedule", _("Sachstandsbericht anlegen")
    REMINDERS = "reminders", _("Erinnerungen schreiben")
    DISPATCH = "dispatch", _("Mails weiterreichen")
    SMTP = "smtp", _("Mailserver")


class SweepProblem(models.Model):
    """Something the sweep could not do, kept for the admin until it goes away: the sweep records it, logs it
    and goes on with everything else; the next sweep that succeeds for the same KA and step removes it."""

    stage = models.CharField(_("Schritt"), max_length=20, choices=SweepProblemStage.choices)
    kernaktivitaet = models.ForeignKey(
        "governance.Kernaktivitaet",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Kernaktivität"),
    )
    message = models.TextField(_("Fehler"))
    first_seen = models.DateTimeField(_("zuerst"), db_default=Now())
    last_seen = models.DateTimeField(_("zuletzt"), db_default=Now())
    occurrences = models.PositiveIntegerField(_("Anzahl Läufe"), default=1)

    class Meta:
        verbose_name = _("Problem beim Fristenlauf")
        verbose_name_plural = _("Probleme beim Fristenlauf")
        ordering = ["-last_seen"]
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "kernaktivitaet"], name="sweep_problem_once_per_ka_and_stage"
            ),
            models.UniqueConstraint(
                fields=["stage"],
                condition=models.Q(kernaktivitaet__isnull=True),
                name="sweep_problem_once_per_stage",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.message[:80]}"
