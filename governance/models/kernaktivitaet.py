from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..inputs import (
    KA_CODE_MAX_LENGTH,
    KA_CODE_PATTERN,
    LONG_TEXT_MAX,
    DateRangeValidator,
    strip_bidi,
    text_limit,
)
from .bodies import Organisationseinheit
from .strategy import Kompetenz, Querschnittsthema, Schwerpunkt, Tranche


class KaStatus(models.TextChoices):
    PROPOSED = "proposed", _("Vorgeschlagen")
    ZIRKEL_REVIEW = "zirkel_review", _("Prüfung im Strategiezirkel")
    BOARD_DECISION = "board_decision", _("Entscheidung Verwaltungsvorstand")
    COUNCIL = "council", _("Ratsbeschluss ausstehend")
    RUNNING = "running", _("Laufend")
    DONE = "done", _("Umgesetzt")
    STOPPED = "stopped", _("Eingestellt")
    MERGED = "merged", _("Überführt")
    REJECTED = "rejected", _("Abgelehnt")

    # The derived sets of states, each written once here.
    @classmethod
    def terminal(cls) -> frozenset["KaStatus"]:
        """No transition leads out of these."""
        return frozenset({cls.DONE, cls.STOPPED, cls.MERGED, cls.REJECTED})

    @classmethod
    def ended(cls) -> tuple["KaStatus", ...]:
        """A KA that ran and has ended: it owes no more status reports."""
        return (cls.DONE, cls.STOPPED, cls.MERGED)

    @classmethod
    def awaiting_decision(cls) -> tuple["KaStatus", ...]:
        """A KA in these states waits for somebody's decision, within a time limit."""
        return (cls.ZIRKEL_REVIEW, cls.BOARD_DECISION, cls.COUNCIL)

    @classmethod
    def in_preparation(cls) -> tuple["KaStatus", ...]:
        """Prepared inside the administration, up to the council's resolution (the discussion is open)."""
        return (cls.PROPOSED, cls.ZIRKEL_REVIEW, cls.BOARD_DECISION, cls.COUNCIL)

    @classmethod
    def public(cls) -> tuple["KaStatus", ...]:
        """Shown to the public (a rejection only when the council rejected it, see governance.selectors)."""
        return (cls.COUNCIL, cls.RUNNING, cls.DONE, cls.STOPPED, cls.MERGED)

    @classmethod
    def council_decided(cls) -> tuple["KaStatus", ...]:
        """The council has adopted it (the 2030 goal counts these): running or beyond."""
        return (cls.RUNNING, cls.DONE, cls.STOPPED, cls.MERGED)

    @classmethod
    def merge_targets(cls) -> tuple["KaStatus", ...]:
        """A KA can be merged into one in these states."""
        return (cls.RUNNING, cls.DONE)


class Kernaktivitaet(models.Model):
    code = models.CharField(
        _("Kennung"),
        max_length=KA_CODE_MAX_LENGTH,
        unique=True,
        help_text=_("Stabile Kennung, z. B. VOR-01"),
        # Only what the KA page's URL can carry (governance.converters).
        validators=[
            RegexValidator(
                rf"\A{KA_CODE_PATTERN}\Z",
                message=_(
                    "Eine Kennung besteht aus Großbuchstaben und Ziffern, getrennt durch Bindestriche."
                ),
            )
        ],
    )
    nummer = models.PositiveSmallIntegerField(
        _("Nummer in der Kompetenz"), null=True, blank=True, help_text=_("Nummer auf der Kompetenzübersicht")
    )
    titel = models.CharField(_("Titel"), max_length=200)
    beschreibung = models.TextField(_("Beschreibung"), blank=True, **text_limit(LONG_TEXT_MAX))
    smart_ziele = models.TextField(
        _("SMARTe Ziele"),
        blank=True,
        **text_limit(LONG_TEXT_MAX),
        help_text=_("spezifisch, messbar, attraktiv, realistisch, terminiert"),
    )
    geplanter_start = models.DateField(
        _("geplanter Start"), null=True, blank=True, validators=[DateRangeValidator()]
    )
    geplantes_ende = models.DateField(
        _("geplantes Ende"), null=True, blank=True, validators=[DateRangeValidator()]
    )
    kompetenz = models.ForeignKey(
        Kompetenz, models.PROTECT, related_name="kernaktivitaeten", verbose_name=_("Kompetenz")
    )
    schwerpunkt = models.ForeignKey(
        Schwerpunkt,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="kernaktivitaeten",
        verbose_name=_("Schwerpunkt"),
    )
    querschnittsthemen = models.ManyToManyField(
        Querschnittsthema, blank=True, related_name="kernaktivitaeten", verbose_name=_("Querschnittsthemen")
    )
    tranche = models.ForeignKey(
        Tranche,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="kernaktivitaeten",
        verbose_name=_("Tranche"),
    )
    linienverantwortung = models.ForeignKey(
        Organisationseinheit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="kernaktivitaeten",
        verbose_name=_("Linienverantwortung"),
    )
    projektleitung = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="geleitete_kernaktivitaeten",
        verbose_name=_("Projektleitung"),
    )
    projektgruppe = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="projektgruppen_kernaktivitaeten",
        verbose_name=_("Mitglieder der Projektgruppe"),
    )
    externe_partner = models.TextField(
        _("externe Projektpartner*innen"), blank=True, **text_limit(LONG_TEXT_MAX)
    )
    # Written only by workflow.lifecycle; the loader sets the initial state of existing KA.
    status = models.CharField(
        _("Status"), max_length=20, choices=KaStatus.choices, default=KaStatus.PROPOSED, editable=False
    )
    ueberfuehrt_in = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="aufgenommene_kernaktivitaeten",
        verbose_name=_("überführt in"),
    )
    berichtsintervall_monate = models.PositiveSmallIntegerField(
        _("Berichtsintervall (Monate)"),
        null=True,
        blank=True,
        help_text=_("Leer: das allgemeine Intervall der Sachstandsberichte gilt"),
    )
    # The one-time key of the form that created the proposal: a second submission of the same form (a double
    # click) finds the first proposal instead of making another.
    vorschlag_schluessel = models.UUIDField(
        _("Formularschlüssel des Vorschlags"), null=True, blank=True, unique=True, editable=False
    )
    # Written by ``make run``'s demo step only: an example a newcomer can open, never part of the strategy.
    demo = models.BooleanField(
        _("Beispieldaten"), default=False, editable=False, help_text=_("vom Demo-Start angelegt")
    )
    erstellt_am = models.DateTimeField(_("erstellt am"), auto_now_add=True)
    geaendert_am = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta:
        verbose_name = _("Kernaktivität")
        verbose_name_plural = _("Kernaktivitäten")
        ordering = ["kompetenz__position", "code"]
        indexes = [models.Index(fields=["status", "kompetenz"], name="ka_status_kompetenz_idx")]
        permissions = [
            ("edit_proposal", _("Vorschlag bearbeiten und einreichen (eigene KA)")),
            ("report_kernaktivitaet", _("Sachstand berichten und Abschluss vorschlagen (eigene KA)")),
            ("view_internal_kernaktivitaet", _("interne Daten der KA lesen")),
            ("review_proposal", _("Vorschläge prüfen (Strategiezirkel)")),
            ("decide_kernaktivitaet", _("über KA entscheiden (Verwaltungsvorstand)")),
            ("record_resolution", _("Ratsbeschlüsse erfassen (Ratsbüro)")),
            ("accept_statusbericht", _("Sachstandsberichte annehmen oder zurückgeben")),
            ("confirm_completion", _("Abschluss bestätigen (Strategiezirkel)")),
            ("propose_stop", _("Einstellung oder Überführung vorschlagen")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(geplantes_ende__isnull=True)
                | Q(geplanter_start__isnull=True)
                | Q(geplantes_ende__gte=F("geplanter_start")),
                name="ka_ende_not_before_start",
                violation_error_message=_("Das geplante Ende darf nicht vor dem geplanten Start liegen."),
            ),
            models.CheckConstraint(
                condition=~Q(ueberfuehrt_in=F("pk")),
                name="ka_not_merged_into_itself",
                violation_error_message=_("Eine Kernaktivität kann nicht in sich selbst überführt werden."),
            ),
            models.CheckConstraint(
                condition=Q(status=KaStatus.MERGED, ueberfuehrt_in__isnull=False)
                | (~Q(status=KaStatus.MERGED) & Q(ueberfuehrt_in__isnull=True)),
                name="ka_merged_has_target",
                violation_error_message=_("Eine überführte Kernaktivität nennt die KA, in die sie überging."),
            ),
            models.UniqueConstraint(
                fields=["kompetenz", "nummer"],
                condition=Q(nummer__isnull=False),
                name="ka_nummer_unique_per_kompetenz",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.titel}"

    def clean(self) -> None:
        # Direction controls in a title make it read differently from what it is; no title needs them.
        self.titel = strip_bidi(self.titel or "")
        # The database refuses it too (trigger of migration 0009); here it is a message on the field.
        schwerpunkt = self.schwerpunkt if self.schwerpunkt_id is not None else None
        if (
            schwerpunkt is not None
            and self.kompetenz_id is not None
            and schwerpunkt.kompetenz_id != self.kompetenz_id
        ):
            raise ValidationError(
                {"schwerpunkt": _("Der Schwerpunkt gehört zu einer anderen Kompetenz als die Kernaktivität.")}
            )

    def get_status_display(self) -> str:  # type: ignore[no-redef]
        # Django's own rebuilds a dict of all choices per call (0.12 ms); lists show the status in every row.
        return str(KaStatus(self.status).label)

    @property
    def is_terminal(self) -> bool:
        return self.status in KaStatus.terminal()

    @property
    def carries_strategy_label(self) -> bool:
        """Implemented KA carry the label „Ein Projekt der Bochum Strategie“."""
        return self.status == KaStatus.DONE
