from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process


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
