"""The quick select renders what Django's select renders."""

import re

import pytest
from django import forms

from core.widgets import QuickSelect


def _squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("value", [None, "", "b", ["b"]])
def test_quick_select_matches_djangos_select(value: object) -> None:
    choices = [("", "alle"), ("a", "Älter & <neu>"), ("b", "B")]
    attrs = {"id": "id_x", "class": "kern-form-input__select", "aria-invalid": "true", "required": True}
    ours = QuickSelect(attrs=attrs, choices=choices).render("x", value)
    django = forms.Select(attrs=attrs, choices=choices).render("x", value)
    assert _squeeze(ours) == _squeeze(django)
