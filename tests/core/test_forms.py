"""One KERN field template serves every form: labels, hints and messages with the ids the inputs point at
(aria-describedby), invalid inputs flagged (aria-invalid), whatever the control."""

from html.parser import HTMLParser
from typing import Any

import pytest
from django import forms
from django.template.loader import render_to_string

from core.errors import Incomplete, form_refusal
from core.forms import AccessibleFormMixin
from core.widgets import CheckboxInput, RadioSelect, Select, Textarea, TextInput


class Elements(HTMLParser):
    """Every element of a piece of HTML: (tag, attributes) in document order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))

    def by_id(self, element_id: str) -> dict[str, str]:
        matches = [attrs for _tag, attrs in self.found if attrs.get("id") == element_id]
        assert len(matches) == 1, f"{len(matches)} elements with id {element_id}"
        return matches[0]

    def tags(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.found if name == tag]


class Sample(AccessibleFormMixin, forms.Form):
    name = forms.CharField(label="Name", help_text="So, wie er im Verzeichnis steht.", widget=TextInput)
    note = forms.CharField(label="Notiz", required=False, widget=Textarea)
    kind = forms.ChoiceField(label="Art", choices=[("a", "A"), ("b", "B")], widget=RadioSelect)
    pick = forms.ChoiceField(label="Wahl", choices=[("", "–"), ("x", "X")], required=False, widget=Select)
    agree = forms.BooleanField(label="Mails", required=False, help_text="jede Woche", widget=CheckboxInput)
    key = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_key(self) -> str:
        if self.cleaned_data["key"] == "kaputt":
            raise forms.ValidationError("beschädigt")
        return str(self.cleaned_data["key"])


INVALID = {"name": "", "kind": "z", "key": "kaputt"}


def test_field_with_hint_points_at_it_and_at_its_message_once_invalid() -> None:
    fresh = Elements(str(Sample()))
    assert fresh.by_id("id_name")["aria-describedby"] == "id_name-hint"
    assert "aria-invalid" not in fresh.by_id("id_name")
    assert fresh.by_id("id_name-hint")["class"] == "kern-hint"
    assert {"class": "kern-label", "for": "id_name"} in fresh.tags("label")

    invalid = Elements(str(Sample(INVALID)))
    name = invalid.by_id("id_name")
    assert name["aria-describedby"] == "id_name-hint id_name-error"
    assert name["aria-invalid"] == "true"
    assert name["class"] == "kern-form-input__input"  # the block shows the error, not the input
    assert invalid.by_id("id_name-error")["class"] == "kern-error"
    assert {"class": "kern-form-input kern-form-input--error"} in invalid.tags("div")


def test_radios_are_a_fieldset_whose_every_radio_points_at_the_groups_message() -> None:
    html = str(Sample(INVALID)["kind"].as_field_group())
    page = Elements(html)
    assert page.by_id("id_kind") == {
        "class": "kern-fieldset kern-fieldset--error",
        "id": "id_kind",
        "aria-describedby": "id_kind-error",
    }
    radios = page.tags("input")
    assert [radio["id"] for radio in radios] == ["id_kind_0", "id_kind_1"]
    for radio in radios:
        assert radio["class"] == "kern-form-check__radio kern-form-check__radio--error"
        assert radio["aria-describedby"] == "id_kind-error" and radio["aria-invalid"] == "true"
        assert "required" in radio
    assert '<legend class="kern-label">Art</legend>' in html


def test_optional_fields_say_so_unless_the_form_or_the_field_says_otherwise() -> None:
    assert "(optional)" in str(Sample()["note"].as_field_group())
    assert "(optional)" not in str(Sample()["name"].as_field_group())

    class Filters(Sample):
        mark_optional = False

    assert "(optional)" not in str(Filters()["note"].as_field_group())
    conditional = Sample()
    conditional.fields["note"].conditional = True  # type: ignore[attr-defined]
    assert "(optional)" not in str(conditional["note"].as_field_group())


def test_select_sits_in_kerns_wrapper_and_a_checkbox_carries_its_hint_in_its_label() -> None:
    form = Sample()
    assert (
        '<div class="kern-form-input__select-wrapper"><select name="pick" class="kern-form-input__select"'
        in str(form["pick"].as_field_group())
    )
    check = str(form["agree"].as_field_group())
    assert (
        '<label class="kern-label" for="id_agree">Mails <span class="kern-hint">(jede Woche)</span></label>'
        in check
    )
    assert "aria-describedby" not in check  # the hint is part of the label already


def test_a_form_may_style_invalid_inputs_and_give_a_field_a_layout_class() -> None:
    class Styled(Sample):
        mark_invalid_inputs = True
        wrapper_classes = {"name": "ka-filter__search"}

    page = Elements(str(Styled(INVALID)))
    assert page.by_id("id_name")["class"] == "kern-form-input__input kern-form-input__input--error"
    assert {"class": "kern-form-input kern-form-input--error ka-filter__search"} in page.tags("div")


def test_hidden_field_is_rendered_first_and_plain_even_when_invalid() -> None:
    html = str(Sample(INVALID))
    assert html.lstrip().startswith('<input type="hidden" name="key" value="kaputt" id="id_key">')


@pytest.mark.parametrize("data", [{}, INVALID])
def test_error_summary_links_each_message_to_its_field(data: dict[str, Any]) -> None:
    form = Sample(data)
    summary = render_to_string("core/error_summary.html", {"form": form})
    links = [attrs["href"] for attrs in Elements(summary).tags("a")]
    assert links == [f"#{form[name].auto_id}" for name in form.errors]


def test_an_incomplete_refusal_puts_each_problem_on_its_field_and_the_rest_above_the_form() -> None:
    class Steckbrief(forms.Form):
        risiken = forms.CharField(required=False)

    form = Steckbrief(data={"risiken": ""})
    assert form.is_valid()
    form_refusal(
        form,
        Incomplete(
            "Der Steckbrief ist noch nicht vollständig.",
            [("risiken", "Bitte nennen Sie die Risiken."), ("kennzahlen", "Mindestens eine Kennzahl.")],
        ),
    )
    assert form.errors == {
        "risiken": ["Bitte nennen Sie die Risiken."],
        "__all__": ["Mindestens eine Kennzahl."],
    }
