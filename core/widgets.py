"""KERN's form controls: Django's widgets with the design system's classes, so that a form names a control
and not its styling."""

from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

INPUT = "kern-form-input__input"
SELECT = "kern-form-input__select"
CHECKBOX = "kern-form-check__checkbox"
RADIO = "kern-form-check__radio"


def _kern(css_class: str, attrs: dict[str, Any] | None) -> dict[str, Any]:
    """The attributes with KERN's class; a class given in ``attrs`` (with a width modifier) replaces it."""
    attrs = attrs or {}
    return dict(attrs) if "class" in attrs else {"class": css_class, **attrs}


class TextInput(forms.TextInput):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(_kern(INPUT, attrs))


class SearchInput(TextInput):
    input_type = "search"


class CodeInput(TextInput):
    """A one-time code: after a refused try the field is empty again (the code has expired by then)."""

    def format_value(self, value: Any) -> str | None:
        return None


class NumberInput(forms.NumberInput):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(_kern(INPUT, attrs))


class Textarea(forms.Textarea):
    def __init__(self, rows: int = 4, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"rows": rows, **_kern(INPUT, attrs)})


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and expects ISO dates whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(_kern(INPUT, attrs), format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(_kern(INPUT, attrs), format="%H:%M")


class FileInput(forms.FileInput):
    """A file chooser; KERN styles it as a text input with its own button. Never shows a file chosen before
    (a browser cannot be given one back)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(_kern(INPUT, attrs))


class Select(forms.Select):
    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        super().__init__(_kern(SELECT, attrs), choices)


class QuickSelect(Select):
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


class CheckboxInput(forms.CheckboxInput):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(_kern(CHECKBOX, attrs))


class RadioSelect(forms.RadioSelect):
    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        super().__init__(_kern(RADIO, attrs), choices)
