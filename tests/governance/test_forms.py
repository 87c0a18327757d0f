"""The overview's quick select renders what Django's select renders."""

import re

import pytest
from django import forms

from governance.forms import KaFilterForm, QuickSelect


def _squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("value", [None, "", "b", ["b"]])
def test_quick_select_matches_djangos_select(value: object) -> None:
    choices = [("", "alle"), ("a", "Älter & <neu>"), ("b", "B")]
    attrs = {"id": "id_x", "class": "kern-form-input__select", "aria-invalid": "true", "required": True}
    ours = QuickSelect(attrs=attrs, choices=choices).render("x", value)
    django = forms.Select(attrs=attrs, choices=choices).render("x", value)
    assert _squeeze(ours) == _squeeze(django)


@pytest.mark.django_db
def test_filter_form_keeps_the_chosen_kompetenz(strategy: None) -> None:
    from governance.models import Kompetenz

    kompetenz = Kompetenz.objects.order_by("position")[1]
    form = KaFilterForm({"kompetenz": str(kompetenz.pk)})
    assert form.is_valid()
    html = str(form["kompetenz"])
    assert f'<option value="{kompetenz.pk}" selected>{kompetenz.name}</option>' in html
    assert html.count(" selected") == 1
