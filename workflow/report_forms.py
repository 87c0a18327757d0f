"""Forms of the status report pages (Sachstandsberichte); errors linked to their fields."""

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import AccessibleFormMixin
from core.widgets import NumberInput, RadioSelect, Textarea
from governance.inputs import LONG_TEXT_MAX, REASON_MAX, TextField
from governance.models import Ampel
from workflow.reports.services import ReportInput

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _ampel(label: "StrOrPromise") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=Ampel.choices,
        widget=RadioSelect,
        error_messages={"required": _("Bitte wählen Sie grün, gelb oder rot.")},
    )


class StatusberichtForm(AccessibleFormMixin, forms.Form):
    ampel_zeitplan = _ampel(_("Ampel Zeitplan"))
    ampel_budget = _ampel(_("Ampel Budget"))
    ampel_umfang = _ampel(_("Ampel Umfang"))
    fortschritt_prozent = forms.IntegerField(
        label=_("Fortschritt in Prozent"),
        min_value=0,
        max_value=100,
        widget=NumberInput(attrs={"class": "kern-form-input__input kern-form-input__input--width-4"}),
        error_messages={
            "required": _("Bitte geben Sie den Fortschritt von 0 bis 100 Prozent an."),
            "invalid": _("Der Fortschritt ist eine ganze Zahl von 0 bis 100."),
            "min_value": _("Der Fortschritt ist eine ganze Zahl von 0 bis 100."),
            "max_value": _("Der Fortschritt ist eine ganze Zahl von 0 bis 100."),
        },
    )
    meilensteine_erreicht = TextField(
        max_length=LONG_TEXT_MAX, label=_("erreichte Meilensteine"), required=False, widget=Textarea
    )
    meilensteine_naechste = TextField(
        max_length=LONG_TEXT_MAX, label=_("nächste Meilensteine"), required=False, widget=Textarea
    )
    text_oeffentlich = TextField(
        max_length=LONG_TEXT_MAX,
        label=_("Sachstand für die Öffentlichkeit"),
        help_text=_(
            "Erscheint auf der öffentlichen Seite der Kernaktivität; bitte ohne personenbezogene Daten."
        ),
        widget=Textarea(rows=6),
        error_messages={"required": _("Bitte beschreiben Sie den Sachstand für die Öffentlichkeit.")},
    )
    text_intern = TextField(
        max_length=LONG_TEXT_MAX, label=_("interner Sachstand"), required=False, widget=Textarea
    )
    risiken = TextField(max_length=LONG_TEXT_MAX, label=_("Risiken"), required=False, widget=Textarea)

    def report_input(self) -> ReportInput:
        return ReportInput(**self.cleaned_data)


class StatusberichtReviewForm(AccessibleFormMixin, forms.Form):
    ACCEPT = "accept"
    RETURN = "return"

    decision = forms.ChoiceField(
        label=_("Entscheidung"),
        choices=[(ACCEPT, _("Bericht annehmen")), (RETURN, _("Bericht mit Begründung zurückgeben"))],
        widget=RadioSelect,
        error_messages={"required": _("Bitte wählen Sie: annehmen oder zurückgeben.")},
    )
    reason = TextField(
        max_length=REASON_MAX,
        label=_("Begründung der Rückgabe"),
        required=False,
        help_text=_("Pflicht bei einer Rückgabe; die Projektgruppe erhält sie per E-Mail."),
        widget=Textarea,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["reason"].conditional = True  # type: ignore[attr-defined]  # required for a return

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == self.RETURN and not str(cleaned.get("reason", "")).strip():
            self.add_error("reason", _("Bitte begründen Sie die Rückgabe."))
        return cleaned
