from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, validate_email
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from governance.inputs import REASON_MAX, text_limit


def validate_sender(value: str) -> None:
    """A sender as mail programs write it: an address, optionally with a name („Name <adresse@host>“)."""
    _name, address = parseaddr(value)
    try:
        validate_email(address)
    except ValidationError as exc:
        raise ValidationError(
            _("Bitte geben Sie eine Absenderadresse an, z. B. „Bochum Strategie <strategie@bochum.de>“."),
            code="invalid_sender",
        ) from exc


class DeadlineSettings(models.Model):
    """The one row of deadline settings (report period, decision time limits, sending time, sender)."""

    berichtsintervall_monate = models.PositiveSmallIntegerField(
        _("Berichtsintervall (Monate)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_("Allgemeines Intervall der Sachstandsberichte; je KA überschreibbar"),
    )
    nachbesserung_tage = models.PositiveSmallIntegerField(
        _("Frist nach Rückgabe (Tage)"),
        default=14,
        validators=[MinValueValidator(1)],
        help_text=_("Ein zurückgegebener Bericht ist nach so vielen Tagen erneut fällig"),
    )
    frist_pruefung_tage = models.PositiveSmallIntegerField(
        _("Frist Prüfung im Strategiezirkel (Tage)"), default=21, validators=[MinValueValidator(1)]
    )
    frist_vorstand_tage = models.PositiveSmallIntegerField(
        _("Frist Entscheidung Verwaltungsvorstand (Tage)"), default=14, validators=[MinValueValidator(1)]
    )
    frist_ratsbeschluss_tage = models.PositiveSmallIntegerField(
        _("Frist Erfassung Ratsbeschluss nach der Sitzung (Tage)"),
        default=7,
        validators=[MinValueValidator(1)],
    )
    versandstunde = models.PositiveSmallIntegerField(
        _("Versand ab (Uhr, Europe/Berlin)"),
        default=7,
        validators=[MaxValueValidator(12)],
        help_text=_("Erinnerungen gehen an Arbeitstagen ab dieser Stunde hinaus"),
    )
    absender = models.CharField(
        _("Absender"),
        max_length=200,
        blank=True,
        validators=[validate_sender],
        help_text=_("Leer: der Absender aus der Serverkonfiguration (DEFAULT_FROM_EMAIL)"),
    )

    class Meta:
        # The table keeps the name it had when the settings were part of the notifications app.
        db_table = "notifications_deadlinesettings"
        verbose_name = _("Fristen und Versand")
        verbose_name_plural = _("Fristen und Versand")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="deadline_settings_singleton")]

    def __str__(self) -> str:
        return str(_("Fristen und Versand"))

    @classmethod
    def get(cls) -> "DeadlineSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    @property
    def sender(self) -> str:
        return self.absender or settings.DEFAULT_FROM_EMAIL


class Vertretung(models.Model):
    """A deputy acts in the absent person's inbox for a date range, with no more rights than they have."""

    vertretene_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="vertretungen_abwesend",
        verbose_name=_("vertretene Person"),
    )
    vertretung = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="vertretungen_aktiv",
        verbose_name=_("Vertretung"),
    )
    von = models.DateField(_("von"))
    bis = models.DateField(_("bis"))
    erstellt_am = models.DateTimeField(_("erstellt am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Vertretung")
        verbose_name_plural = _("Vertretungen")
        ordering = ["-von"]
        constraints = [
            models.CheckConstraint(
                condition=Q(bis__gte=F("von")),
                name="vertretung_bis_not_before_von",
                violation_error_message=_("Das Ende der Vertretung darf nicht vor ihrem Beginn liegen."),
            ),
            models.CheckConstraint(
                condition=~Q(vertretung=F("vertretene_person")),
                name="vertretung_not_self",
                violation_error_message=_("Niemand kann sich selbst vertreten."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vertretung} für {self.vertretene_person} ({self.von:%d.%m.%Y}–{self.bis:%d.%m.%Y})"


class ProcessKind(models.TextChoices):
    PROPOSAL = "proposal", _("Vorschlag bis Ratsbeschluss")
    COMPLETION = "completion", _("Abschluss")
    STOP_MERGE = "stop_merge", _("Einstellung oder Überführung")


class KaProcess(Process):
    """One decision process about one KA: a proposal, a completion, or a stop/merge request.

    A KA loaded from the strategy data has no process at all: it enters the product in its state without
    a made-up history, and a running one can later get a completion or stop/merge process.
    """

    kernaktivitaet = models.ForeignKey(
        "governance.Kernaktivitaet",
        models.PROTECT,
        # No reverse accessor: viewflow's untyped process manager would leave it unresolvable for mypy;
        # query KaProcess.objects.filter(kernaktivitaet=…) instead.
        related_name="+",
        verbose_name=_("Kernaktivität"),
    )
    kind = models.CharField(_("Art"), max_length=20, choices=ProcessKind.choices)
    # Who asked for a completion or a stop/merge: the four-eyes rule keeps them out of the decision.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("beantragt von"),
    )
    requested_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("beantragt in Vertretung für"),
    )
    merge_target = models.ForeignKey(
        "governance.Kernaktivitaet",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vorgeschlagene Ziel-KA der Überführung"),
    )

    class Meta:
        verbose_name = _("Entscheidungsprozess")
        verbose_name_plural = _("Entscheidungsprozesse")


# A comment is read in the discussion and travels by mail, as a reason does: bounded like one.
KOMMENTAR_MAX = REASON_MAX


class Kommentar(models.Model):
    """A comment in the discussion of a KA while it is prepared (internal, never public). It is about the
    Steckbrief version that was the latest when it was written, or about the draft before the first one.
    Nobody edits or deletes a comment: the discussion is part of the record of the preparation."""

    kernaktivitaet = models.ForeignKey(
        "governance.Kernaktivitaet",
        models.PROTECT,
        related_name="kommentare",
        verbose_name=_("Kernaktivität"),
    )
    steckbrief_version = models.ForeignKey(
        "governance.SteckbriefVersion",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("zur Fassung"),
        help_text=_("Leer: zum Entwurf vor der ersten Einreichung"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("verfasst von")
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("in Vertretung für"),
    )
    text = models.TextField(_("Kommentar"), **text_limit(KOMMENTAR_MAX))
    created_at = models.DateTimeField(_("geschrieben am"), default=timezone.now)

    class Meta:
        verbose_name = _("Kommentar")
        verbose_name_plural = _("Kommentare")
        ordering = ["kernaktivitaet", "created_at", "pk"]
        indexes = [
            models.Index(fields=["kernaktivitaet", "created_at", "id"], name="kommentar_ka_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="kommentar_text_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.kernaktivitaet_id}: {self.text[:40]}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("A comment is never changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]
