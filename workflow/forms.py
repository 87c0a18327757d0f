"""German forms of the decision process; errors are linked to their fields for screen readers."""

import datetime
import uuid
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import AccessibleFormMixin
from core.widgets import DateInput, RadioSelect, Select, Textarea, TextInput, TimeInput
from governance.inputs import (
    LONG_TEXT_MAX,
    REASON_MAX,
    DateRangeValidator,
    TextField,
    session_bounds,
)
from governance.models import KaStatus, Kernaktivitaet, Kompetenz, ResolutionResult, Schwerpunkt, Tranche

from .flows import NODE_ACTIONS
from .lifecycle import REASON_REQUIRED
from .rights import Action


def _choice(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


SCHWERPUNKT_MISMATCH = _("Bitte wählen Sie einen Schwerpunkt der gewählten Kompetenz.")


class ProposalForm(AccessibleFormMixin, forms.ModelForm):
    class Meta:
        model = Kernaktivitaet
        fields = ["titel", "beschreibung", "smart_ziele", "schwerpunkt", "geplanter_start", "geplantes_ende"]
        field_classes = {"titel": TextField, "beschreibung": TextField, "smart_ziele": TextField}
        widgets = {
            "titel": TextInput,
            "beschreibung": Textarea(rows=6),
            "smart_ziele": Textarea,
            "schwerpunkt": Select,
            "geplanter_start": DateInput,
            "geplantes_ende": DateInput,
        }

    def __init__(self, *args: Any, kompetenz: Kompetenz | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kompetenz = kompetenz or (self.instance.kompetenz if self.instance.pk else None)
        schwerpunkt = _model_choice(self, "schwerpunkt")
        schwerpunkt.error_messages["invalid_choice"] = SCHWERPUNKT_MISMATCH
        if kompetenz is not None:
            schwerpunkt.queryset = Schwerpunkt.objects.filter(kompetenz=kompetenz).order_by("position")
        else:
            # The Kompetenz is chosen on the same form: every Schwerpunkt, grouped under its Kompetenz, so
            # the list itself shows which belong together (no script needed); clean() refuses a mismatch.
            schwerpunkt.queryset = Schwerpunkt.objects.select_related("kompetenz").order_by(
                "kompetenz__position", "position"
            )
            groups: dict[str, list[tuple[int, str]]] = {}
            for item in schwerpunkt.queryset:
                groups.setdefault(item.kompetenz.name, []).append((item.pk, item.name))
            schwerpunkt.choices = [("", schwerpunkt.empty_label or ""), *groups.items()]
        # The model's bounds, checked on the form (the service validates the model again).
        for name in ("geplanter_start", "geplantes_ende"):
            self.fields[name].validators.append(DateRangeValidator())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kompetenz = data.get("kompetenz") or (self.instance.kompetenz if self.instance.pk else None)
        schwerpunkt = data.get("schwerpunkt")
        if kompetenz is not None and schwerpunkt is not None and schwerpunkt.kompetenz_id != kompetenz.pk:
            self.add_error("schwerpunkt", SCHWERPUNKT_MISMATCH)
        start, end = data.get("geplanter_start"), data.get("geplantes_ende")
        if start and end and end < start:
            self.add_error(
                "geplantes_ende", _("Das geplante Ende darf nicht vor dem geplanten Start liegen.")
            )
        return data

    def _post_clean(self) -> None:
        # The proposal is saved by the service, which runs the model validation itself.
        pass


class ProposalCreateForm(ProposalForm):
    kompetenz = forms.ModelChoiceField(
        label=_("Kompetenz"),
        queryset=Kompetenz.objects.order_by("position"),
        widget=Select,
    )
    # One key per opened form: sending the same form twice (a double click) creates one proposal.
    form_key = forms.UUIDField(
        label=_("Formularschlüssel"),
        widget=forms.HiddenInput,
        required=False,
        error_messages={"invalid": _("Das Formular ist beschädigt. Bitte laden Sie die Seite neu.")},
    )

    class Meta(ProposalForm.Meta):
        fields = ["kompetenz", *ProposalForm.Meta.fields]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["form_key"] = uuid.uuid4()


def _reason_needed_by(field: forms.Field, actions: list[tuple[Action, bool]]) -> None:
    """Label a reason the way it is checked: required when every choice needs it, otherwise the hint names
    the choices that need it; "(optional)" only where no choice does (``conditional`` tells the template)."""
    needing = [str(action.label) for action, needs in actions if needs]
    if not needing:
        return
    field.conditional = True  # type: ignore[attr-defined]
    if len(needing) == len(actions):
        field.widget.attrs["aria-required"] = "true"
    elif not field.help_text:
        field.help_text = _("Pflichtangabe, wenn Sie „%(actions)s“ wählen.") % {
            "actions": "“ oder „".join(needing)
        }


class DecisionForm(AccessibleFormMixin, forms.Form):
    """The decision on one human task: which way, and why."""

    action = forms.ChoiceField(label=_("Entscheidung"), widget=RadioSelect)
    reason = TextField(label=_("Begründung"), required=False, max_length=REASON_MAX, widget=Textarea(rows=5))
    merge_target = forms.ModelChoiceField(
        label=_("Überführen in"),
        queryset=Kernaktivitaet.objects.none(),
        required=False,
        widget=Select,
    )

    def __init__(self, *args: Any, node: str, kernaktivitaet: Kernaktivitaet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions = NODE_ACTIONS[node]
        self.node = node
        _choice(self, "action").choices = [(a.value, a.label) for a in actions]
        if len(actions) == 1:
            self.fields["action"].initial = actions[0].value
        _reason_needed_by(
            self.fields["reason"], [(a, a in REASON_REQUIRED or a == Action.ZIRKEL_FORWARD) for a in actions]
        )
        if node == "zirkel_review":
            self.fields["reason"].label = _("Beschlussempfehlung oder Grund der Rückgabe")
            self.fields["reason"].help_text = _(
                "Beim Weiterleiten die Beschlussempfehlung für den Verwaltungsvorstand, bei der Rückgabe "
                "den Grund für die Projektgruppe."
            )
        if node == "board_stop_merge":
            _model_choice(self, "merge_target").queryset = (
                Kernaktivitaet.objects.filter(status__in=KaStatus.merge_targets())
                .exclude(pk=kernaktivitaet.pk)
                .order_by("code")
            )
            self.fields["merge_target"].help_text = _("Nur beim Beschluss einer Überführung.")
        else:
            del self.fields["merge_target"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if not action:
            return data
        action = Action(action)
        if action == Action.ZIRKEL_FORWARD and not data.get("reason", "").strip():
            self.add_error("reason", _("Bitte geben Sie die Beschlussempfehlung an."))
        elif action in REASON_REQUIRED and not data.get("reason", "").strip():
            self.add_error("reason", REASON_REQUIRED[action])
        if action == Action.BOARD_MERGE and not data.get("merge_target"):
            self.add_error("merge_target", _("Bitte wählen Sie die Kernaktivität, in die überführt wird."))
        return data


class RequestForm(AccessibleFormMixin, forms.Form):
    """A request on a running KA: completion, stop or merge."""

    KINDS = [
        (Action.PROPOSE_COMPLETION.value, _("Abschluss vorschlagen (die KA ist umgesetzt)")),
        (Action.PROPOSE_STOP.value, _("Einstellung vorschlagen")),
        (Action.PROPOSE_MERGE.value, _("Überführung in eine andere KA vorschlagen")),
    ]

    kind = forms.ChoiceField(label=_("Antrag"), widget=RadioSelect)
    reason = TextField(label=_("Begründung"), required=False, max_length=REASON_MAX, widget=Textarea(rows=5))
    merge_target = forms.ModelChoiceField(
        label=_("Überführen in"),
        queryset=Kernaktivitaet.objects.none(),
        required=False,
        help_text=_("Nur bei einer Überführung: eine laufende oder umgesetzte Kernaktivität."),
        widget=Select,
    )

    def __init__(self, *args: Any, kernaktivitaet: Kernaktivitaet, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "kind").choices = [(value, label) for value, label in self.KINDS if value in kinds]
        _reason_needed_by(self.fields["reason"], [(Action(kind), kind in REASON_REQUIRED) for kind in kinds])
        _model_choice(self, "merge_target").queryset = (
            Kernaktivitaet.objects.filter(status__in=KaStatus.merge_targets())
            .exclude(pk=kernaktivitaet.pk)
            .order_by("code")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind in (Action.PROPOSE_STOP, Action.PROPOSE_MERGE) and not data.get("reason", "").strip():
            self.add_error("reason", _("Bitte begründen Sie den Vorschlag."))
        if kind == Action.PROPOSE_MERGE and not data.get("merge_target"):
            self.add_error("merge_target", _("Bitte wählen Sie die Kernaktivität, in die überführt wird."))
        return data


NOT_IN_PAPER = ""


def past_session(day: datetime.date) -> None:
    if day > timezone.localdate():
        raise forms.ValidationError(
            _("Die Ratssitzung liegt in der Zukunft. Ein Beschluss wird erst nach der Sitzung erfasst.")
        )


class CouncilForm(AccessibleFormMixin, forms.Form):
    """One council paper (Drucksache) and the outcome per KA: for one KA or a whole tranche."""

    PAPER_FIELDS = (
        "reference",
        "name",
        "paper_date",
        "session_date",
        "session_time",
        "agenda_number",
        "tranche",
    )

    reference = TextField(
        label=_("Drucksachennummer"),
        max_length=40,
        widget=TextInput,
        help_text=_("z. B. 20241234"),
    )
    name = TextField(
        label=_("Titel der Drucksache"),
        max_length=300,
        widget=TextInput,
    )
    paper_date = forms.DateField(label=_("Datum der Drucksache"), widget=DateInput)
    session_date = forms.DateField(label=_("Datum der Ratssitzung"), widget=DateInput)
    session_time = forms.TimeField(
        label=_("Beginn der Ratssitzung"),
        initial=datetime.time(15, 0),
        widget=TimeInput,
    )
    agenda_number = TextField(
        label=_("Tagesordnungspunkt (TOP)"),
        max_length=20,
        required=False,
        widget=TextInput,
        help_text=_("Die Nummer auf der Tagesordnung der Sitzung, z. B. 7.1"),
    )
    tranche = forms.ModelChoiceField(
        label=_("Tranche"),
        queryset=Tranche.objects.order_by("nummer"),
        required=False,
        empty_label=_("keiner Tranche zugeordnet"),
        widget=Select,
        help_text=_("Die Tranche, in der der Rat die Kernaktivitäten beschließt."),
        error_messages={"invalid_choice": _("Bitte wählen Sie eine der angebotenen Tranchen.")},
    )

    def __init__(
        self,
        *args: Any,
        entries: list[Any],
        single: bool = False,
        tranche: Tranche | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.entries = entries
        if tranche is not None:
            self.fields["tranche"].initial = tranche.pk
        # Sessions from 2000 to a few years ahead; a paper is dated within the same window.
        first, last = session_bounds()
        self.session_range = DateRangeValidator(first, last)
        for name in ("paper_date", "session_date"):
            self.fields[name].validators.append(self.session_range)
        # A resolution is recorded after the session: a session still ahead has decided nothing yet.
        self.fields["session_date"].validators.append(past_session)
        choices = [(value, label) for value, label in ResolutionResult.choices]
        if not single:
            choices = [(NOT_IN_PAPER, _("nicht in diesem Beschluss")), *choices]
        self.rows = []
        for entry in entries:
            ka = entry.kernaktivitaet
            prefix = f"t{entry.task.pk}"
            self.fields[f"{prefix}_result"] = forms.ChoiceField(
                label=_("Ergebnis für %(code)s") % {"code": ka.code},
                choices=choices,
                required=single,
                widget=Select,
            )
            self.fields[f"{prefix}_text"] = TextField(
                label=_("geänderter Beschlusstext für %(code)s") % {"code": ka.code},
                required=False,
                max_length=LONG_TEXT_MAX,
                widget=Textarea(rows=3),
                help_text=_("Pflicht bei „geändert beschlossen“."),
            )
            self.fields[f"{prefix}_deferred_to"] = forms.DateField(
                label=_("neue Sitzung für %(code)s") % {"code": ka.code},
                required=False,
                validators=[self.session_range],
                widget=DateInput,
                help_text=_("Pflicht bei „vertagt“."),
            )
            self.rows.append((entry, prefix))

    def paper_fields(self) -> list[Any]:
        """The paper's and the session's fields, shown together above the rows of the KA."""
        return [self[name] for name in self.PAPER_FIELDS]

    def row_fields(self) -> list[tuple[Any, Any, Any, Any]]:
        return [
            (entry, self[f"{prefix}_result"], self[f"{prefix}_text"], self[f"{prefix}_deferred_to"])
            for entry, prefix in self.rows
        ]

    def session_start(self) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(self.cleaned_data["session_date"], self.cleaned_data["session_time"])
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = 0
        for _entry, prefix in self.rows:
            result = data.get(f"{prefix}_result")
            if not result:
                continue
            chosen += 1
            if result == ResolutionResult.ADOPTED_AMENDED and not data.get(f"{prefix}_text", "").strip():
                self.add_error(f"{prefix}_text", _("Bitte geben Sie den geänderten Beschlusstext an."))
            if result == ResolutionResult.DEFERRED:
                deferred = data.get(f"{prefix}_deferred_to")
                if not deferred:
                    self.add_error(
                        f"{prefix}_deferred_to", _("Bitte geben Sie das Datum der neuen Sitzung an.")
                    )
                elif data.get("session_date") and deferred <= data["session_date"]:
                    self.add_error(
                        f"{prefix}_deferred_to", _("Die neue Sitzung muss nach dieser Sitzung liegen.")
                    )
        if self.rows and not chosen and not self.errors:
            first = f"{self.rows[0][1]}_result"
            self.add_error(first, _("Bitte wählen Sie für mindestens eine Kernaktivität ein Ergebnis."))
        return data

    def chosen(self) -> list[tuple[Any, str, str, datetime.date | None]]:
        return [
            (
                entry,
                self.cleaned_data[f"{prefix}_result"],
                self.cleaned_data.get(f"{prefix}_text", ""),
                self.cleaned_data.get(f"{prefix}_deferred_to"),
            )
            for entry, prefix in self.rows
            if self.cleaned_data.get(f"{prefix}_result")
        ]
