"""Forms of the governance pages (reading only: the filters of the KA overview)."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import AccessibleFormMixin
from core.widgets import CheckboxInput, QuickSelect, SearchInput

from .inputs import SEARCH_MAX, TextField
from .models import KaStatus, Kompetenz, Querschnittsthema, Schwerpunkt, Tranche
from .selectors import DEFAULT_KA_SORT, KA_SORT_FIELDS, KaFilter


class SchwerpunktChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Schwerpunkt) -> str:
        return f"{obj.kompetenz.code} {obj.position}: {obj.name}"


class KaFilterForm(AccessibleFormMixin, forms.Form):
    """GET filters of the KA overview; invalid values are reported on the form and ignored."""

    mark_optional = False
    mark_invalid_inputs = True
    wrapper_classes = {"q": "ka-filter__search", "overdue": "ka-filter__check"}

    q = TextField(
        label=_("Suche in Kennung, Titel und Beschreibung"),
        required=False,
        max_length=SEARCH_MAX,
        widget=SearchInput,
    )
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
    overdue = forms.BooleanField(
        label=_("nur mit überfälligem Sachstandsbericht"), required=False, widget=CheckboxInput
    )
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("alle")), *KaStatus.choices]
        cast(forms.ChoiceField, self.fields["sort"]).choices = [
            (f"{prefix}{key}", key) for key in KA_SORT_FIELDS for prefix in ("", "-")
        ]

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
