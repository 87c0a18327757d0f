from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..inputs import LONG_TEXT_MAX, REASON_MAX, text_limit
from .kernaktivitaet import KaStatus, Kernaktivitaet

# A report counts as "fällig" from this many days before its date on (the first default reminder); before
# that the lists name its date instead.
DUE_SOON_DAYS = 14


class Ampel(models.TextChoices):
    GRUEN = "gruen", _("grün")
    GELB = "gelb", _("gelb")
    ROT = "rot", _("rot")


class StatusberichtState(models.TextChoices):
    DUE = "due", _("fällig")
    SUBMITTED = "submitted", _("eingereicht")
    ACCEPTED = "accepted", _("angenommen")
    RETURNED = "returned", _("zurückgegeben")
    # Owed by a KA that has ended (umgesetzt, eingestellt, überführt) before the report came in.
    CANCELLED = "cancelled", _("entfällt")

    @classmethod
    def open(cls) -> tuple["StatusberichtState", ...]:
        """Not (or not any more) in: the project group still has to write it."""
        return (cls.DUE, cls.RETURNED)


class Statusbericht(models.Model):
    """A Sachstandsbericht a running KA owes for one period."""

    kernaktivitaet = models.ForeignKey(
        Kernaktivitaet, models.PROTECT, related_name="statusberichte", verbose_name=_("Kernaktivität")
    )
    faellig_am = models.DateField(_("fällig am"))
    state = models.CharField(
        _("Stand"), max_length=20, choices=StatusberichtState.choices, default=StatusberichtState.DUE
    )
    ampel_zeitplan = models.CharField(_("Ampel Zeitplan"), max_length=10, choices=Ampel.choices, blank=True)
    ampel_budget = models.CharField(_("Ampel Budget"), max_length=10, choices=Ampel.choices, blank=True)
    ampel_umfang = models.CharField(_("Ampel Umfang"), max_length=10, choices=Ampel.choices, blank=True)
    fortschritt_prozent = models.PositiveSmallIntegerField(
        _("Fortschritt in Prozent"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    meilensteine_erreicht = models.TextField(
        _("erreichte Meilensteine"), blank=True, **text_limit(LONG_TEXT_MAX)
    )
    meilensteine_naechste = models.TextField(
        _("nächste Meilensteine"), blank=True, **text_limit(LONG_TEXT_MAX)
    )
    text_oeffentlich = models.TextField(
        _("Sachstand für die Öffentlichkeit"), blank=True, **text_limit(LONG_TEXT_MAX)
    )
    text_intern = models.TextField(_("interner Sachstand"), blank=True, **text_limit(LONG_TEXT_MAX))
    risiken = models.TextField(_("Risiken"), blank=True, **text_limit(LONG_TEXT_MAX))
    eingereicht_am = models.DateTimeField(_("eingereicht am"), null=True, blank=True)
    eingereicht_von = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("eingereicht von"),
    )
    geprueft_am = models.DateTimeField(_("geprüft am"), null=True, blank=True)
    geprueft_von = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("geprüft von"),
    )
    rueckgabegrund = models.TextField(_("Grund der Rückgabe"), blank=True, **text_limit(REASON_MAX))
    # A returned report is owed again by this date; the reminders start over for the next round.
    nachreichen_bis = models.DateField(_("erneut fällig am"), null=True, blank=True)
    runde = models.PositiveSmallIntegerField(
        _("Runde"), default=0, help_text=_("Zahl der Rückgaben; jede Rückgabe beginnt die Erinnerungen neu")
    )

    class Meta:
        verbose_name = _("Sachstandsbericht")
        verbose_name_plural = _("Sachstandsberichte")
        ordering = ["kernaktivitaet", "-faellig_am"]
        indexes = [
            models.Index(
                fields=["faellig_am"],
                condition=models.Q(state__in=["due", "returned"]),
                name="bericht_open_faellig_idx",
            ),
            # The reviewers' list: submitted reports, the longest waiting first.
            models.Index(
                fields=["eingereicht_am"],
                condition=models.Q(state="submitted"),
                name="bericht_submitted_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kernaktivitaet", "faellig_am"], name="bericht_once_per_due_date"
            ),
            models.CheckConstraint(
                condition=models.Q(fortschritt_prozent__isnull=True) | models.Q(fortschritt_prozent__lte=100),
                name="bericht_fortschritt_max_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kernaktivitaet.code} – {self.faellig_am:%d.%m.%Y}"

    @property
    def frist(self) -> date:
        """The date the report is owed by now: the due date, or after a return the new date."""
        return self.nachreichen_bis or self.faellig_am

    # "Owed" is one rule, here, in the three forms the code needs: a Python property, an ORM filter and the
    # SQL of the set-based sweep; tests/governance/test_owed_reports.py proves that they agree.
    @property
    def is_open(self) -> bool:
        return self.state in StatusberichtState.open()

    @property
    def is_owed(self) -> bool:
        """Open, and its KA runs: only a running KA owes reports."""
        return self.is_open and self.kernaktivitaet.status == KaStatus.RUNNING

    @staticmethod
    def owed_q(prefix: str = "") -> models.Q:
        return models.Q(
            **{
                f"{prefix}state__in": StatusberichtState.open(),
                f"{prefix}kernaktivitaet__status": KaStatus.RUNNING,
            }
        )

    @staticmethod
    def overdue_q(today: date, prefix: str = "") -> models.Q:
        """Owed and past its deadline (after a return: the new date)."""
        return Statusbericht.owed_q(prefix) & (
            models.Q(**{f"{prefix}nachreichen_bis__lt": today})
            | models.Q(**{f"{prefix}nachreichen_bis__isnull": True, f"{prefix}faellig_am__lt": today})
        )

    @staticmethod
    def owed_sql(report: str, ka: str) -> tuple[str, list[str]]:
        """The SQL condition for the report table aliased ``report`` joined to its KA aliased ``ka``."""
        return f"{report}.state IN (%s, %s) AND {ka}.status = %s", [
            *(str(state) for state in StatusberichtState.open()),
            str(KaStatus.RUNNING),
        ]

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.frist < timezone.localdate()

    @property
    def is_due_soon(self) -> bool:
        """Owed within the next DUE_SOON_DAYS days or already overdue."""
        return self.is_open and (self.frist - timezone.localdate()).days <= DUE_SOON_DAYS
