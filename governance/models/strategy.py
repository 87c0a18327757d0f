from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_SCHWERPUNKTE_PER_KOMPETENZ = 5


class Strategie(models.Model):
    version = models.CharField(_("Version"), max_length=10, unique=True)
    name = models.CharField(_("Name"), max_length=200)
    beschlossen_im = models.DateField(_("beschlossen im"), help_text=_("Monat des Beschlusses (erster Tag)"))
    anlass = models.CharField(_("Anlass"), max_length=200, blank=True)
    zeithorizont = models.PositiveSmallIntegerField(_("Zeithorizont (Jahr)"), default=2030)

    class Meta:
        verbose_name = _("Strategie")
        verbose_name_plural = _("Strategien")
        ordering = ["version"]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class Kompetenz(models.Model):
    key = models.SlugField(_("Schlüssel"), max_length=40, unique=True)
    code = models.CharField(_("Kürzel"), max_length=3, unique=True)
    name = models.CharField(_("Name"), max_length=200, unique=True)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), unique=True)

    class Meta:
        verbose_name = _("Kompetenz")
        verbose_name_plural = _("Kompetenzen")
        ordering = ["position"]
        permissions = [("oversee_kompetenz", _("Kompetenz verantworten"))]

    def __str__(self) -> str:
        return self.name


class StrategischesZiel(models.Model):
    strategie = models.ForeignKey(
        Strategie, models.CASCADE, related_name="ziele", verbose_name=_("Strategie")
    )
    kompetenz = models.ForeignKey(
        Kompetenz,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="ziele",
        verbose_name=_("Kompetenz"),
        help_text=_("Leer für die Ziele der gesamten Strategie"),
    )
    text = models.CharField(_("Ziel"), max_length=300)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=1)

    class Meta:
        verbose_name = _("strategisches Ziel")
        verbose_name_plural = _("strategische Ziele")
        ordering = ["strategie", "kompetenz__position", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["strategie", "kompetenz", "text"],
                condition=models.Q(kompetenz__isnull=False),
                name="ziel_unique_per_kompetenz",
            ),
            models.UniqueConstraint(
                fields=["strategie", "text"],
                condition=models.Q(kompetenz__isnull=True),
                name="ziel_unique_per_strategie",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Schwerpunkt(models.Model):
    kompetenz = models.ForeignKey(
        Kompetenz, models.CASCADE, related_name="schwerpunkte", verbose_name=_("Kompetenz")
    )
    position = models.PositiveSmallIntegerField(_("Nummer in der Kompetenz"))
    name = models.CharField(_("Name"), max_length=200)

    class Meta:
        verbose_name = _("Schwerpunkt")
        verbose_name_plural = _("Schwerpunkte")
        ordering = ["kompetenz__position", "position"]
        constraints = [
            models.UniqueConstraint(fields=["kompetenz", "position"], name="schwerpunkt_position_unique"),
            models.UniqueConstraint(fields=["kompetenz", "name"], name="schwerpunkt_name_unique"),
            # Positions 1..5 with unique (kompetenz, position) allow at most five Schwerpunkte per Kompetenz.
            models.CheckConstraint(
                condition=models.Q(position__gte=1, position__lte=MAX_SCHWERPUNKTE_PER_KOMPETENZ),
                name="schwerpunkt_position_1_to_5",
                violation_error_message=_("Eine Kompetenz hat höchstens fünf Schwerpunkte (Nummer 1 bis 5)."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Querschnittsthema(models.Model):
    name = models.CharField(_("Name"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=1)

    class Meta:
        verbose_name = _("Querschnittsthema")
        verbose_name_plural = _("Querschnittsthemen")
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name


class Tranche(models.Model):
    nummer = models.PositiveSmallIntegerField(_("Nummer"), unique=True)
    kurzname = models.CharField(_("Kurzname"), max_length=20, blank=True)
    beschlusszeitraum = models.CharField(
        _("Beschlusszeitraum"), max_length=40, blank=True, help_text=_("z. B. 2017-05 oder 2021-2023")
    )
    geplante_anzahl = models.PositiveSmallIntegerField(_("geplante Anzahl KA"), default=25)

    class Meta:
        verbose_name = _("Tranche")
        verbose_name_plural = _("Tranchen")
        ordering = ["nummer"]

    def __str__(self) -> str:
        return str(_("%(nummer)s. Tranche") % {"nummer": self.nummer})


class Meilenstein(models.Model):
    zeitpunkt = models.CharField(_("Zeitpunkt"), max_length=20)
    ereignis = models.CharField(_("Ereignis"), max_length=200)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), unique=True)

    class Meta:
        verbose_name = _("Meilenstein der Strategiearbeit")
        verbose_name_plural = _("Meilensteine der Strategiearbeit")
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.zeitpunkt}: {self.ereignis}"
