"""The proposal page: the KA's own fields and its Projektsteckbrief on one page, as several forms that are
checked together and saved by one service call (``services.proposal_save``).

A draft may be incomplete. What a submission still needs is listed above the buttons, each item linked to
its field; a refusal of the service lands at the field it names, in whichever of the forms holds it.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from core.errors import Incomplete, Invalid
from core.forms import AccessibleFormMixin
from core.widgets import DateInput, NumberInput, RadioSelect, Select, Textarea, TextInput
from governance.inputs import LONG_TEXT_MAX, DateRangeValidator, TextField, strict_int
from governance.models import (
    Kernaktivitaet,
    Organisationseinheit,
    Querschnittsthema,
    Richtung,
    Steckbrief,
    Wirkung,
)
from governance.steckbrief import FIELDS, Missing, person_name

from .forms import ProposalForm
from .services.steckbrief import (
    KennzahlInput,
    MeilensteinInput,
    RessourcenInput,
    SteckbriefInput,
    WirkungInput,
)

# More rows than any Steckbrief needs; a forged form count beyond is refused, never a long loop.
ROWS_MAX = 30
NOT_NEGATIVE = [MinValueValidator(Decimal(0))]


class SelectMultiple(forms.SelectMultiple):
    def __init__(self) -> None:
        super().__init__({"class": "kern-form-input__select kern-form-input__select--multiple", "size": 8})


def _people() -> Any:
    return get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "username")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)

    def clean(self, value: Any) -> Any:
        # A number beyond the database's integers fails its ``IN`` lookup on SQLite: an unknown choice.
        for item in value if isinstance(value, list | tuple) else []:
            if strict_int(str(item), minimum=1) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                )
        return super().clean(value)


class KaFieldsForm(ProposalForm):
    """The KA's own part of the Steckbrief: the proposal's fields and the organisation it belongs to."""

    class Meta(ProposalForm.Meta):
        fields = [*ProposalForm.Meta.fields, "linienverantwortung", "externe_partner"]
        field_classes = {**ProposalForm.Meta.field_classes, "externe_partner": TextField}
        widgets = {
            **ProposalForm.Meta.widgets,
            "linienverantwortung": Select,
            "externe_partner": Textarea(rows=3),
        }
        labels = {"smart_ziele": _("Ziele (SMART)"), "externe_partner": _("Partner")}
        help_texts = {
            "smart_ziele": _("spezifisch, messbar, attraktiv, realistisch, terminiert"),
            "externe_partner": _("z. B. städtische Tochtergesellschaften, Vereine, Hochschulen"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["linienverantwortung"]
        field.queryset = Organisationseinheit.objects.order_by("art", "name")  # type: ignore[attr-defined]


class SteckbriefForm(AccessibleFormMixin, forms.Form):
    ausgangslage = TextField(
        label=_("Ausgangslage"), required=False, max_length=LONG_TEXT_MAX, widget=Textarea(rows=5)
    )
    massnahmen = TextField(
        label=_("Maßnahmen"), required=False, max_length=LONG_TEXT_MAX, widget=Textarea(rows=5)
    )
    risiken = TextField(label=_("Risiken"), required=False, max_length=LONG_TEXT_MAX, widget=Textarea(rows=4))
    personal_vzae = forms.DecimalField(
        label=_("Personal (VZÄ)"),
        help_text=_("Vollzeitäquivalente für das ganze Vorhaben"),
        required=False,
        max_digits=7,
        decimal_places=2,
        validators=[*NOT_NEGATIVE, MaxValueValidator(Decimal(99999))],
        widget=NumberInput(
            attrs={"step": "0.01", "class": "kern-form-input__input kern-form-input__input--width-10"}
        ),
    )
    projektleitung = PersonChoiceField(
        label=_("Projektleitung"), queryset=get_user_model().objects.none(), required=False, widget=Select
    )
    mitglieder = PeopleChoiceField(
        label=_("Mitglieder der Projektgruppe"),
        help_text=_(
            "Sie erhalten mit dem Ratsbeschluss die Rechte der Projektgruppe an dieser Kernaktivität; "
            "mehrere wählen Sie mit gedrückter Strg-Taste."
        ),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=SelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = _people()
        self.fields["projektleitung"].queryset = people  # type: ignore[attr-defined]
        self.fields["mitglieder"].queryset = people  # type: ignore[attr-defined]


WIRKUNG_CHOICES = [("", _("noch nicht eingeschätzt")), *Wirkung.choices]


class WirkungenForm(AccessibleFormMixin, forms.Form):
    """The expected effect on each Querschnittsthema of the strategy, with one sentence why."""

    def __init__(self, *args: Any, themen: list[Querschnittsthema], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.themen = themen
        for thema in themen:
            self.fields[f"wirkung_{thema.pk}"] = forms.ChoiceField(
                label=_("Wirkung auf „%(thema)s“") % {"thema": thema.name},
                choices=WIRKUNG_CHOICES,
                required=False,
                widget=RadioSelect,
            )
            self.fields[f"begruendung_{thema.pk}"] = TextField(
                label=_("Begründung zu „%(thema)s“ in einem Satz") % {"thema": thema.name},
                required=False,
                max_length=300,
                widget=TextInput,
            )

    def rows(self) -> list[tuple[Querschnittsthema, forms.BoundField, forms.BoundField]]:
        return [(t, self[f"wirkung_{t.pk}"], self[f"begruendung_{t.pk}"]) for t in self.themen]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for thema in self.themen:
            wirkung, begruendung = data.get(f"wirkung_{thema.pk}"), data.get(f"begruendung_{thema.pk}")
            if wirkung and not begruendung:
                self.add_error(
                    f"begruendung_{thema.pk}", _("Bitte begründen Sie die Einschätzung in einem Satz.")
                )
            if begruendung and not wirkung:
                self.add_error(f"wirkung_{thema.pk}", _("Bitte wählen Sie die erwartete Wirkung."))
        return data

    def wirkungen(self) -> list[WirkungInput]:
        data = self.cleaned_data
        return [
            WirkungInput(
                querschnittsthema=thema,
                wirkung=data[f"wirkung_{thema.pk}"],
                begruendung=data[f"begruendung_{thema.pk}"],
            )
            for thema in self.themen
            if data.get(f"wirkung_{thema.pk}")
        ]


def _value(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=18,
        decimal_places=4,
        widget=NumberInput(
            attrs={"step": "any", "class": "kern-form-input__input kern-form-input__input--width-10"}
        ),
    )


def _date(label: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput, validators=[DateRangeValidator()])


def _euros(label: Any, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=16,
        decimal_places=2,
        validators=NOT_NEGATIVE,
        widget=NumberInput(
            attrs={"step": "0.01", "class": "kern-form-input__input kern-form-input__input--width-10"}
        ),
    )


class RowForm(AccessibleFormMixin, forms.Form):
    """One entry of a list of the Steckbrief; an untouched empty row is no entry."""

    mark_optional = False


class KennzahlForm(RowForm):
    name = TextField(label=_("Kennzahl"), max_length=200, widget=TextInput)
    einheit = TextField(label=_("Einheit"), max_length=50, widget=TextInput)
    ausgangswert = _value(_("Ausgangswert"))
    ausgangsdatum = _date(_("Stand des Ausgangswerts"))
    zielwert = _value(_("Zielwert"))
    zieldatum = _date(_("Zieldatum"))
    richtung = forms.ChoiceField(
        label=_("Richtung"), choices=Richtung.choices, initial=Richtung.HOEHER, widget=Select
    )
    datenquelle = TextField(label=_("Datenquelle"), max_length=200, widget=TextInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("ausgangsdatum"), data.get("zieldatum")
        if start and end and end <= start:
            self.add_error("zieldatum", _("Das Zieldatum muss nach dem Stand des Ausgangswerts liegen."))
        if data.get("ausgangswert") is not None and data.get("ausgangswert") == data.get("zielwert"):
            self.add_error("zielwert", _("Der Zielwert muss sich vom Ausgangswert unterscheiden."))
        return data


class MeilensteinForm(RowForm):
    name = TextField(label=_("Meilenstein"), max_length=200, widget=TextInput)
    geplant_am = _date(_("geplant am"))


class RessourcenForm(RowForm):
    jahr = forms.IntegerField(
        label=_("Jahr"),
        min_value=2000,
        max_value=2100,
        widget=NumberInput(attrs={"class": "kern-form-input__input kern-form-input__input--width-5"}),
    )
    kosten_eur = _euros(_("geplante Kosten (€)"))
    haushalt_eur = _euros(_("davon Haushalt (€)"), required=False)
    foerdermittel_eur = _euros(_("davon Fördermittel (€)"), required=False)
    dritte_eur = _euros(_("davon Dritte (€)"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        funding = sum(
            data.get(name) or Decimal(0) for name in ("haushalt_eur", "foerdermittel_eur", "dritte_eur")
        )
        if data.get("kosten_eur") is not None and funding > data["kosten_eur"]:
            self.add_error("kosten_eur", _("Die Finanzierung übersteigt die geplanten Kosten des Jahres."))
        return data


class RowFormSet(forms.BaseFormSet):
    """A list of the Steckbrief: rows marked for removal and untouched new rows are no entries."""

    def entries(self) -> list[dict[str, Any]]:
        initial_rows = self.initial_form_count()
        return [
            {name: value for name, value in form.cleaned_data.items() if name != "DELETE"}
            for number, form in enumerate(self.forms)
            if (number < initial_rows or form.has_changed())
            and form.cleaned_data
            and not form.cleaned_data.get("DELETE")
        ]


def _formset(form: type[forms.Form]) -> type[RowFormSet]:
    return cast(
        type[RowFormSet],
        forms.formset_factory(
            form,
            formset=RowFormSet,
            extra=1,
            can_delete=True,
            max_num=ROWS_MAX,
            absolute_max=ROWS_MAX,
            validate_max=True,
        ),
    )


KennzahlFormSet = _formset(KennzahlForm)
MeilensteinFormSet = _formset(MeilensteinForm)
RessourcenFormSet = _formset(RessourcenForm)

# Where the form shows each part of the document: the id a link of a summary jumps to.
ANCHORS = {
    "ziele": "id_smart_ziele",
    "partner": "id_externe_partner",
    "projektgruppe": "id_mitglieder",
    "querschnittswirkungen": "querschnittswirkungen",
    "kennzahlen": "kennzahlen",
    "meilensteine": "meilensteine",
    "ressourcen": "ressourcen",
}
# The form field of each document field where the names differ.
FORM_FIELDS = {"ziele": "smart_ziele", "partner": "externe_partner", "projektgruppe": "mitglieder"}


LIST_TEXTS = {
    "kennzahlen": (
        _("Kennzahlen"),
        _("Kennzahl"),
        _(
            "Woran der Erfolg zu messen ist: mindestens eine Kennzahl mit Ausgangs- und Zielwert. Nach dem "
            "Speichern steht eine weitere leere Zeile bereit."
        ),
    ),
    "meilensteine": (
        _("Meilensteine"),
        _("Meilenstein"),
        _(
            "Mindestens ein Meilenstein; der letzte liegt nicht nach dem geplanten Ende. Nach dem Speichern "
            "steht eine weitere leere Zeile bereit."
        ),
    ),
    "ressourcen": (
        _("Ressourcen"),
        _("Jahr"),
        _(
            "Die geplanten Kosten je Jahr und wie sie finanziert werden. Nach dem Speichern steht eine "
            "weitere leere Zeile bereit."
        ),
    ),
}


@dataclass(frozen=True)
class ListSection:
    """One list of the Steckbrief as the page shows it."""

    name: str
    formset: "RowFormSet"
    heading: Any
    row_label: Any
    hint: Any
    errors: list[str]


def anchor(document_field: str) -> str:
    return ANCHORS.get(document_field, f"id_{document_field}")


@dataclass(frozen=True)
class Problem:
    """One line of a summary above the form: where it links to, what it concerns and what is wrong."""

    href: str
    label: str
    message: str


def missing_problems(missing: list[Missing]) -> list[Problem]:
    return [Problem(f"#{anchor(item.field)}", str(FIELDS[item.field]), item.message) for item in missing]


class SteckbriefEditor:
    """The forms of the proposal page, bound or not, with the summary of their errors."""

    def __init__(self, data: Any, *, ka: Kernaktivitaet, profile: Steckbrief | None) -> None:
        themen = list(Querschnittsthema.objects.order_by("position"))
        self.ka = ka
        self.ka_form = KaFieldsForm(data, instance=ka)
        self.profile_form = SteckbriefForm(data, initial=self._profile_initial(profile))
        self.wirkungen_form = WirkungenForm(data, themen=themen, initial=self._wirkungen_initial(profile))
        rows = self._rows(profile)
        self.formsets: dict[str, RowFormSet] = {
            "kennzahlen": KennzahlFormSet(data, prefix="kennzahlen", initial=rows["kennzahlen"]),
            "meilensteine": MeilensteinFormSet(data, prefix="meilensteine", initial=rows["meilensteine"]),
            "ressourcen": RessourcenFormSet(data, prefix="ressourcen", initial=rows["ressourcen"]),
        }
        # Refusals of a whole list (none given, a year twice) shown above the list and in the summary.
        self.list_errors: dict[str, list[str]] = {
            name: [] for name in ("querschnittswirkungen", *self.formsets)
        }

    @staticmethod
    def _profile_initial(profile: Steckbrief | None) -> dict[str, Any]:
        if profile is None:
            return {}
        return {
            "ausgangslage": profile.ausgangslage,
            "massnahmen": profile.massnahmen,
            "risiken": profile.risiken,
            "personal_vzae": profile.personal_vzae,
            "projektleitung": profile.projektleitung_id,
            "mitglieder": [member.pk for member in profile.mitglieder.all()],
        }

    @staticmethod
    def _wirkungen_initial(profile: Steckbrief | None) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for wirkung in profile.querschnittswirkungen.all() if profile else []:
            initial[f"wirkung_{wirkung.querschnittsthema_id}"] = wirkung.wirkung
            initial[f"begruendung_{wirkung.querschnittsthema_id}"] = wirkung.begruendung
        return initial

    @staticmethod
    def _rows(profile: Steckbrief | None) -> dict[str, list[dict[str, Any]]]:
        if profile is None:
            return {"kennzahlen": [], "meilensteine": [], "ressourcen": []}
        kennzahl_fields = [name for name in KennzahlForm.base_fields]
        return {
            "kennzahlen": [{n: getattr(k, n) for n in kennzahl_fields} for k in profile.kennzahlen.all()],
            "meilensteine": [
                {"name": m.name, "geplant_am": m.geplant_am} for m in profile.meilensteine.all()
            ],
            "ressourcen": [
                {n: getattr(r, n) for n in RessourcenForm.base_fields} for r in profile.ressourcen.all()
            ],
        }

    def lists(self) -> list[ListSection]:
        return [
            ListSection(name, formset, *LIST_TEXTS[name], self.list_errors[name])
            for name, formset in self.formsets.items()
        ]

    @property
    def all_forms(self) -> list[forms.BaseForm]:
        rows = [form for formset in self.formsets.values() for form in formset.forms]
        return [self.ka_form, self.profile_form, self.wirkungen_form, *rows]

    def is_valid(self) -> bool:
        results = [form.is_valid() for form in (self.ka_form, self.profile_form, self.wirkungen_form)]
        results += [formset.is_valid() for formset in self.formsets.values()]
        return all(results)

    def values(self) -> dict[str, Any]:
        """The KA's own fields for ``kernaktivitaet_update_proposal``."""
        return dict(self.ka_form.cleaned_data)

    def steckbrief(self) -> SteckbriefInput:
        profile = self.profile_form.cleaned_data
        entries = {name: formset.entries() for name, formset in self.formsets.items()}
        return SteckbriefInput(
            ausgangslage=profile["ausgangslage"],
            massnahmen=profile["massnahmen"],
            risiken=profile["risiken"],
            personal_vzae=profile["personal_vzae"],
            projektleitung=profile["projektleitung"],
            mitglieder=list(profile["mitglieder"]),
            querschnittswirkungen=self.wirkungen_form.wirkungen(),
            kennzahlen=[KennzahlInput(**entry) for entry in entries["kennzahlen"]],
            meilensteine=[MeilensteinInput(**entry) for entry in entries["meilensteine"]],
            ressourcen=[
                RessourcenInput(
                    jahr=entry["jahr"],
                    kosten_eur=entry["kosten_eur"],
                    # An empty share is no funding from there.
                    haushalt_eur=entry["haushalt_eur"] or Decimal(0),
                    foerdermittel_eur=entry["foerdermittel_eur"] or Decimal(0),
                    dritte_eur=entry["dritte_eur"] or Decimal(0),
                )
                for entry in entries["ressourcen"]
            ],
        )

    def refuse(self, exc: Invalid) -> None:
        """Show a refusal of the service at the field it names, in whichever form holds that field."""
        problems = exc.problems if isinstance(exc, Incomplete) else [(exc.field, exc.message)]
        for field, message in problems:
            self._add(field, message)

    def _add(self, field: str | None, message: str) -> None:
        name = FORM_FIELDS.get(field or "", field or "")
        prefix, _sep, rest = name.partition("-")
        if prefix in self.formsets and rest:
            number, _sep, row_field = rest.partition("-")
            row_forms = self.formsets[prefix].forms
            if (
                number.isdigit()
                and int(number) < len(row_forms)
                and row_field in row_forms[int(number)].fields
            ):
                row_forms[int(number)].add_error(row_field, message)
                return
        if name in self.list_errors:
            self.list_errors[name].append(message)
            return
        for form in (self.ka_form, self.profile_form, self.wirkungen_form):
            if name in form.fields:
                form.add_error(name, message)
                return
        self.ka_form.add_error(None, message)

    def has_errors(self) -> bool:
        return (
            any(form.errors for form in self.all_forms)
            or any(self.list_errors.values())
            or any(formset.non_form_errors() for formset in self.formsets.values() if formset.is_bound)
        )

    def summary(self) -> list[Problem]:
        """Every error of the page in the order of the page, each linked to its field."""
        found: list[Problem] = [Problem("#", "", str(error)) for error in self.ka_form.non_field_errors()]
        for form in (self.ka_form, self.profile_form, self.wirkungen_form):
            found += self._field_problems(form)
        found += [
            Problem("#querschnittswirkungen", str(FIELDS["querschnittswirkungen"]), m)
            for m in self.list_errors["querschnittswirkungen"]
        ]
        for name, formset in self.formsets.items():
            label = str(FIELDS[name])
            found += [Problem(f"#{name}", label, message) for message in self.list_errors[name]]
            if formset.is_bound:
                found += [Problem(f"#{name}", label, str(error)) for error in formset.non_form_errors()]
            for number, form in enumerate(formset.forms, start=1):
                found += [
                    Problem(p.href, f"{label} {number}, {p.label}", p.message)
                    for p in self._field_problems(form)
                ]
        return found

    @staticmethod
    def _field_problems(form: forms.BaseForm) -> list[Problem]:
        return [
            Problem(f"#{form[name].auto_id}", str(form.fields[name].label), str(error))
            for name in form.fields
            for error in form.errors.get(name, [])
        ]
