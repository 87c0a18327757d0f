from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisationseinheit(models.Model):
    """A Dezernat or a municipal subsidiary: the Linienverantwortung of a KA."""

    class Art(models.TextChoices):
        DEZERNAT = "dezernat", _("Dezernat")
        TOCHTER = "tochter", _("Tochterunternehmen")

    name = models.CharField(_("Name"), max_length=120, unique=True)
    art = models.CharField(_("Art"), max_length=20, choices=Art.choices)

    class Meta:
        verbose_name = _("Organisationseinheit")
        verbose_name_plural = _("Organisationseinheiten")
        ordering = ["art", "name"]

    def __str__(self) -> str:
        return self.name


class Gremium(models.Model):
    """A body of the governance structure (OParl: Organization)."""

    class Art(models.TextChoices):
        RAT = "rat", _("Rat")
        STRATEGIEBEIRAT = "strategiebeirat", _("Strategiebeirat")
        VERWALTUNGSVORSTAND = "verwaltungsvorstand", _("Verwaltungsvorstand")
        STRATEGIEZIRKEL = "strategiezirkel", _("Strategiezirkel")
        FACHBUERO = "fachbuero", _("Externes Fachbüro")
        ARBEITSGRUPPE = "arbeitsgruppe", _("Arbeitsgruppe")
        PROJEKTGRUPPE = "projektgruppe", _("Projektgruppe")

    name = models.CharField(_("Name"), max_length=120, unique=True)
    art = models.CharField(_("Art"), max_length=30, choices=Art.choices)
    rolle = models.TextField(_("Rolle im Prozess"), blank=True)

    class Meta:
        verbose_name = _("Gremium")
        verbose_name_plural = _("Gremien")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
