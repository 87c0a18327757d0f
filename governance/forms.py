"""Forms of the governance pages (reading only: the filters of the KA overview)."""

from typing import Any, cast

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from .inputs import SEARCH_MAX, TextField
from .models import KaStatus, Kompetenz, Querschnittsthema, Schwerpunkt, Tranche
from .selectors import DEFAULT_KA_SORT, KA_SORT_FIELDS, KaFilter


class QuickSelect(forms.Select):
    """A select built in Python: the template per option made the overview's five filter lists (about 80
    options) cost 13 ms per page. Same markup as Django's select, without option groups."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(option), mark_safe(" selected") if str(option) in chosen else "", label)
                for option, label in self.choices
            ),
        )
        attributes = format_html_join(
            "",
            "{}",
            (
                (format_html(" {}", key) if given is True else format_html(' {}="{}"', key, given),)
                for key, given in self.build_attrs(self.attrs, attrs).items()
                if given is not False
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, attributes, options)


class SchwerpunktChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Schwerpunkt) -> str:
        return f"{obj.kompetenz.code} {obj.position}: {obj.name}"


class KaFilterForm(forms.Form):
    """GET filters of the KA overview; invalid values are reported on the form and ignored."""

    q = TextField(label=_("Suche in Kennung, Titel und Beschreibung"), required=False, max_length=SEARCH_MAX)
    kompetenz = forms.ModelChoiceField(
        widget=QuickSelect,
        label=_("Kompetenz"),
        queryset=Kompetenz.objects.order_by("position"),
        required=False,
        empty_label=_("alle"),
    )
    schwerpunkt = SchwerpunktChoiceField(
        widget=QuickSelect,
        label=_("Schwerpunkt"),
        queryset=Schwerpunkt.objects.select_related("kompetenz").order_by("kompetenz__position", "position"),
        required=False,
        empty_label=_("alle"),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, widget=QuickSelect)
    querschnittsthema = forms.ModelChoiceField(
        widget=QuickSelect,
        label=_("Querschnittsthema"),
        queryset=Querschnittsthema.objects.order_by("position"),
        required=False,
        empty_label=_("alle"),
    )
    tranche = forms.ModelChoiceField(
        widget=QuickSelect,
        label=_("Tranche"),
        queryset=Tranche.objects.order_by("nummer"),
        required=False,
        empty_label=_("alle"),
    )
    overdue = forms.BooleanField(label=_("nur mit überfälligem Sachstandsbericht"), required=False)
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("alle")), *KaStatus.choices]
        cast(forms.ChoiceField, self.fields["sort"]).choices = [
            (f"{prefix}{key}", key) for key in KA_SORT_FIELDS for prefix in ("", "-")
        ]
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "kern-form-check__checkbox"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "kern-form-input__select"
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs["class"] = "kern-form-input__input"
            if name == "q":
                widget.attrs["type"] = "search"
                widget.input_type = "search"

    def mark_errors(self) -> None:
        """Link each invalid field to its message (aria-describedby) and flag it (aria-invalid)."""
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["aria-describedby"] = f"{self[name].id_for_label}-error"
                widget.attrs["class"] = (
                    f"{widget.attrs.get('class', '')} {widget.attrs.get('class', '')}--error"
                )

    def to_filter(self) -> KaFilter:
        """The valid part of the filters (an invalid field counts as not set)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        sort = data.get("sort") or DEFAULT_KA_SORT
        return KaFilter(
            search=(data.get("q") or "").strip(),
            kompetenz=data.get("kompetenz"),
            schwerpunkt=data.get("schwerpunkt"),
            status=data.get("status") or "",
            querschnittsthema=data.get("querschnittsthema"),
            tranche=data.get("tranche"),
            overdue=bool(data.get("overdue")),
            sort=sort.removeprefix("-"),
            descending=sort.startswith("-"),
        )
