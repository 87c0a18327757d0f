"""The Projektsteckbrief of a KA: the project profile a Strategiezirkel reviews and a Verwaltungsvorstand
decides, and the numbered versions it is frozen into at each submission.

The KA itself already carries part of the profile (Kompetenz, Schwerpunkt, Linienverantwortung,
Projektleitung, project group, partners, dates); the rows here hold the rest. A ``SteckbriefVersion`` keeps
the whole profile as it was submitted, as one JSON document (``governance.steckbrief.snapshot``): a later
change of a KA, a user's name or a Querschnittsthema never changes what was decided.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..inputs import LONG_TEXT_MAX, DateRangeValidator, text_limit
from .kernaktivitaet import Kernaktivitaet
from .strategy import Querschnittsthema

# Amounts in euros and indicator values: fourteen digits before the point hold any city budget; an input
# beyond is refused by the field's validation (never a database error).
NOT_NEGATIVE = [MinValueValidator(Decimal(0))]


def euros(label: Any, **options: Any) -> "models.DecimalField[Any, Any]":
    return models.DecimalField(label, max_digits=16, decimal_places=2, validators=NOT_NEGATIVE, **options)


def indicator_value(label: Any) -> "models.DecimalField[Any, Any]":
    return models.DecimalField(label, max_digits=18, decimal_places=4)


class Wirkung(models.TextChoices):
    """The expected effect of a KA on a Querschnittsthema."""

    POSITIV = "positiv", _("positiv")
    NEUTRAL = "neutral", _("neutral")
    NEGATIV = "negativ", _("negativ")


class Richtung(models.TextChoices):
    """Which way an indicator should move."""

    HOEHER = "hoeher", _("höher ist besser")
    NIEDRIGER = "niedriger", _("niedriger ist besser")


class Steckbrief(models.Model):
    kernaktivitaet = models.OneToOneField(
        Kernaktivitaet, models.CASCADE, related_name="steckbrief", verbose_name=_("Kernaktivität")
    )
    ausgangslage = models.TextField(_("Ausgangslage"), blank=True, **text_limit(LONG_TEXT_MAX))
    massnahmen = models.TextField(_("Maßnahmen"), blank=True, **text_limit(LONG_TEXT_MAX))
    risiken = models.TextField(_("Risiken"), blank=True, **text_limit(LONG_TEXT_MAX))
    personal_vzae = models.DecimalField(
        _("Personal (VZÄ)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[*NOT_NEGATIVE, MaxValueValidator(Decimal(99999))],
        help_text=_("Vollzeitäquivalente für das ganze Vorhaben"),
    )
    # The organisation the proposal plans. The KA's own ``projektleitung`` and ``projektgruppe`` carry the
    # rights; the people named here receive them with the council's resolution (``workflow.grants``), so
    # naming a colleague in a draft gives them nothing before the council has decided.
    projektleitung = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Projektleitung"),
    )
    mitglieder = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("Mitglieder der Projektgruppe")
    )
    geaendert_am = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta:
        verbose_name = _("Projektsteckbrief")
        verbose_name_plural = _("Projektsteckbriefe")

    def __str__(self) -> str:
        return str(self.kernaktivitaet)


class Querschnittswirkung(models.Model):
    steckbrief = models.ForeignKey(
        Steckbrief, models.CASCADE, related_name="querschnittswirkungen", verbose_name=_("Projektsteckbrief")
    )
    querschnittsthema = models.ForeignKey(
        Querschnittsthema, models.PROTECT, related_name="+", verbose_name=_("Querschnittsthema")
    )
    wirkung = models.CharField(_("erwartete Wirkung"), max_length=10, choices=Wirkung.choices)
    begruendung = models.CharField(_("Begründung in einem Satz"), max_length=300)

    class Meta:
        verbose_name = _("Wirkung auf ein Querschnittsthema")
        verbose_name_plural = _("Wirkungen auf die Querschnittsthemen")
        ordering = ["querschnittsthema__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["steckbrief", "querschnittsthema"], name="querschnittswirkung_once_per_thema"
            )
        ]

    def __str__(self) -> str:
        return f"{self.querschnittsthema}: {self.get_wirkung_display()}"


class Kennzahl(models.Model):
    steckbrief = models.ForeignKey(
        Steckbrief, models.CASCADE, related_name="kennzahlen", verbose_name=_("Projektsteckbrief")
    )
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=1)
    name = models.CharField(_("Kennzahl"), max_length=200)
    einheit = models.CharField(_("Einheit"), max_length=50)
    ausgangswert = indicator_value(_("Ausgangswert"))
    ausgangsdatum = models.DateField(_("Stand des Ausgangswerts"), validators=[DateRangeValidator()])
    zielwert = indicator_value(_("Zielwert"))
    zieldatum = models.DateField(_("Zieldatum"), validators=[DateRangeValidator()])
    richtung = models.CharField(
        _("Richtung"), max_length=10, choices=Richtung.choices, default=Richtung.HOEHER
    )
    datenquelle = models.CharField(_("Datenquelle"), max_length=200)

    class Meta:
        verbose_name = _("Kennzahl")
        verbose_name_plural = _("Kennzahlen")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class Projektmeilenstein(models.Model):
    steckbrief = models.ForeignKey(
        Steckbrief, models.CASCADE, related_name="meilensteine", verbose_name=_("Projektsteckbrief")
    )
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=1)
    name = models.CharField(_("Meilenstein"), max_length=200)
    geplant_am = models.DateField(_("geplant am"), validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("Meilenstein des Vorhabens")
        verbose_name_plural = _("Meilensteine des Vorhabens")
        ordering = ["geplant_am", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class Ressourcenjahr(models.Model):
    """Planned costs of one year and how they are funded."""

    steckbrief = models.ForeignKey(
        Steckbrief, models.CASCADE, related_name="ressourcen", verbose_name=_("Projektsteckbrief")
    )
    jahr = models.PositiveSmallIntegerField(
        _("Jahr"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    kosten_eur = euros(_("geplante Kosten (€)"))
    haushalt_eur = euros(_("davon Haushalt (€)"), default=Decimal(0))
    foerdermittel_eur = euros(_("davon Fördermittel (€)"), default=Decimal(0))
    dritte_eur = euros(_("davon Dritte (€)"), default=Decimal(0))

    class Meta:
        verbose_name = _("Ressourcen eines Jahres")
        verbose_name_plural = _("Ressourcen")
        ordering = ["jahr"]
        constraints = [models.UniqueConstraint(fields=["steckbrief", "jahr"], name="ressourcenjahr_once")]

    def __str__(self) -> str:
        return str(self.jahr)


class SteckbriefVersion(models.Model):
    """A Steckbrief as it was submitted. On PostgreSQL a trigger refuses UPDATE and DELETE of these rows
    (migration 0011), as for the audit trail: what was decided stays as it was."""

    kernaktivitaet = models.ForeignKey(
        Kernaktivitaet, models.PROTECT, related_name="steckbrief_versionen", verbose_name=_("Kernaktivität")
    )
    nummer = models.PositiveIntegerField(_("Version"))
    inhalt = models.JSONField(_("Inhalt"))
    eingereicht_von = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("eingereicht von")
    )
    eingereicht_am = models.DateTimeField(_("eingereicht am"), default=timezone.now)

    class Meta:
        verbose_name = _("Version des Projektsteckbriefs")
        verbose_name_plural = _("Versionen des Projektsteckbriefs")
        ordering = ["kernaktivitaet", "nummer"]
        constraints = [
            models.UniqueConstraint(fields=["kernaktivitaet", "nummer"], name="steckbriefversion_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.kernaktivitaet_id} v{self.nummer}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("A Steckbrief version is never changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("A Steckbrief version is never deleted.")
