"""The search, filters and sort of „Meine Aufgaben“: a GET form whose invalid values are reported on the
form and ignored (no list is ever refused because of a bad link)."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import AccessibleFormMixin
from core.widgets import QuickSelect, SearchInput
from governance.inputs import SEARCH_MAX, TextField, strict_int
from governance.models import Kompetenz

from .selectors import DUE_OVERDUE, DUE_WEEK, TaskFilter

SORT_OVERDUE_FIRST = "ueberfaellig"


class InboxFilterForm(AccessibleFormMixin, forms.Form):
    mark_optional = False
    wrapper_classes = {"q": "ka-filter__search"}

    q = TextField(
        label=_("Suche nach Kennung oder Titel der Kernaktivität"),
        required=False,
        max_length=SEARCH_MAX,
        widget=SearchInput,
    )
    kompetenz = forms.ChoiceField(label=_("Kompetenz"), required=False, widget=QuickSelect)
    faellig = forms.ChoiceField(
        label=_("Fälligkeit"),
        required=False,
        widget=QuickSelect,
        choices=[
            ("", _("alle")),
            (DUE_OVERDUE, _("überfällig")),
            (DUE_WEEK, _("fällig in den nächsten 7 Tagen")),
        ],
    )
    sortierung = forms.ChoiceField(
        label=_("Reihenfolge"),
        required=False,
        widget=QuickSelect,
        choices=[("", _("Älteste zuerst")), (SORT_OVERDUE_FIRST, _("Überfällige zuerst"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kompetenzen = Kompetenz.objects.order_by("position").values_list("pk", "code", "name")
        cast(forms.ChoiceField, self.fields["kompetenz"]).choices = [
            ("", _("alle")),
            *((str(pk), f"{code} {name}") for pk, code, name in kompetenzen),
        ]

    def to_filter(self) -> TaskFilter:
        """The valid part of the form (an invalid field counts as not set)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return TaskFilter(
            search=(data.get("q") or "").strip(),
            kompetenz_id=strict_int(data.get("kompetenz") or "", minimum=1),
            due=data.get("faellig") or "",
            overdue_first=data.get("sortierung") == SORT_OVERDUE_FIRST,
        )
