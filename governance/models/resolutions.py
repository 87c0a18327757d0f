"""Council papers, meetings and resolutions, named after OParl 1.1 so that an export is a serializer."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..inputs import LONG_TEXT_MAX, DateRangeValidator, text_limit
from .bodies import Gremium
from .kernaktivitaet import Kernaktivitaet


class Paper(models.Model):
    """OParl Paper: a Drucksache, here the proposal paper that goes to the council."""

    reference = models.CharField(_("Drucksachennummer"), max_length=40, unique=True)
    name = models.CharField(_("Titel"), max_length=300)
    date = models.DateField(_("Datum"), validators=[DateRangeValidator()])
    paper_type = models.CharField(_("Art der Drucksache"), max_length=80, default="Beschlussvorlage")
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    modified = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        verbose_name = _("Drucksache")
        verbose_name_plural = _("Drucksachen")
        ordering = ["-date", "reference"]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"


MEETING_START_MIN = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
MEETING_START_MAX = datetime.datetime(2200, 1, 1, tzinfo=datetime.UTC)


class Meeting(models.Model):
    """OParl Meeting: a session of a body (usually the Rat)."""

    name = models.CharField(_("Name"), max_length=200)
    start = models.DateTimeField(_("Beginn"), validators=[DateRangeValidator()])
    organization = models.ForeignKey(
        Gremium, models.PROTECT, related_name="meetings", verbose_name=_("Gremium")
    )
    cancelled = models.BooleanField(_("abgesagt"), default=False)
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    modified = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        verbose_name = _("Sitzung")
        verbose_name_plural = _("Sitzungen")
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "start"], name="meeting_unique_per_body_and_start"
            ),
            # A session at the very edge of the calendar (0001-01-01 before 00:53 in Berlin is year 0 in
            # UTC) is stored by PostgreSQL but cannot be read back into Python: every page showing it fails.
            models.CheckConstraint(
                condition=models.Q(start__gte=MEETING_START_MIN, start__lt=MEETING_START_MAX),
                name="meeting_start_plausible",
                violation_error_message=_("Eine Sitzung liegt zwischen 1900 und 2200."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ResolutionResult(models.TextChoices):
    """OParl AgendaItem.result, per KA."""

    ADOPTED = "adopted", _("Unverändert beschlossen")
    ADOPTED_AMENDED = "adopted_amended", _("Geändert beschlossen")
    REJECTED = "rejected", _("Abgelehnt")
    DEFERRED = "deferred", _("Vertagt")


class AgendaItem(models.Model):
    """OParl AgendaItem: the item of a meeting under which a paper was consulted."""

    meeting = models.ForeignKey(
        Meeting, models.PROTECT, related_name="agenda_items", verbose_name=_("Sitzung")
    )
    number = models.CharField(_("Tagesordnungspunkt"), max_length=20, blank=True)
    name = models.CharField(_("Name"), max_length=300)
    public = models.BooleanField(_("öffentlich"), default=True)
    result = models.CharField(_("Ergebnis"), max_length=20, choices=ResolutionResult.choices, blank=True)
    resolution_text = models.TextField(_("Beschlusstext"), blank=True)
    created = models.DateTimeField(_("angelegt"), auto_now_add=True)
    modified = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        verbose_name = _("Tagesordnungspunkt")
        verbose_name_plural = _("Tagesordnungspunkte")
        ordering = ["meeting", "number"]

    def __str__(self) -> str:
        return f"{self.meeting} – {self.number} {self.name}".strip()


class Consultation(models.Model):
    """OParl Consultation: a paper consulted in a meeting of a body."""

    paper = models.ForeignKey(
        Paper, models.PROTECT, related_name="consultations", verbose_name=_("Drucksache")
    )
    meeting = models.ForeignKey(
        Meeting, models.PROTECT, related_name="consultations", verbose_name=_("Sitzung")
    )
    agenda_item = models.OneToOneField(
        AgendaItem,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="consultation",
        verbose_name=_("Tagesordnungspunkt"),
    )
    organization = models.ForeignKey(Gremium, models.PROTECT, related_name="+", verbose_name=_("Gremium"))
    authoritative = models.BooleanField(_("beschließend"), default=True)
    role = models.CharField(_("Rolle"), max_length=80, default="Entscheidung")

    class Meta:
        verbose_name = _("Beratung")
        verbose_name_plural = _("Beratungen")
        constraints = [
            models.UniqueConstraint(fields=["paper", "meeting"], name="consultation_unique_per_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.paper.reference} @ {self.meeting}"


class Resolution(models.Model):
    """The outcome of one consultation for one KA: a tranche paper carries one per KA."""

    consultation = models.ForeignKey(
        Consultation, models.PROTECT, related_name="resolutions", verbose_name=_("Beratung")
    )
    kernaktivitaet = models.ForeignKey(
        Kernaktivitaet, models.PROTECT, related_name="resolutions", verbose_name=_("Kernaktivität")
    )
    result = models.CharField(_("Ergebnis"), max_length=20, choices=ResolutionResult.choices)
    resolution_text = models.TextField(
        _("Beschlusstext"),
        blank=True,
        **text_limit(LONG_TEXT_MAX),
        help_text=_("Pflicht, wenn der Rat geändert beschlossen hat"),
    )
    deferred_to = models.DateField(
        _("vertagt auf Sitzung am"), null=True, blank=True, validators=[DateRangeValidator()]
    )
    # The Steckbrief the council decided on: the version the board approved (KA loaded from the strategy, and
    # those decided before Steckbriefe existed, have none).
    steckbrief_version = models.ForeignKey(
        "governance.SteckbriefVersion",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="resolutions",
        verbose_name=_("beschlossene Fassung des Steckbriefs"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("erfasst von")
    )
    recorded_at = models.DateTimeField(_("erfasst am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Ratsbeschluss zur KA")
        verbose_name_plural = _("Ratsbeschlüsse zu KA")
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "kernaktivitaet"], name="resolution_once_per_consultation_and_ka"
            ),
            models.CheckConstraint(
                condition=~models.Q(result=ResolutionResult.ADOPTED_AMENDED) | ~models.Q(resolution_text=""),
                name="resolution_amended_has_text",
                violation_error_message=_("Ein geänderter Beschluss braucht den geänderten Beschlusstext."),
            ),
            models.CheckConstraint(
                condition=~models.Q(result=ResolutionResult.DEFERRED) | models.Q(deferred_to__isnull=False),
                name="resolution_deferred_has_date",
                violation_error_message=_("Eine Vertagung nennt das Datum der neuen Sitzung."),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.consultation.paper.reference}: {self.kernaktivitaet.code} – {self.get_result_display()}"
        )
