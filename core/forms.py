"""The form machinery of every page: one KERN template for a field and one for a form (Django's form
rendering, ``{{ form }}`` and ``{{ form.x.as_field_group }}``), and fields that link their hint and their
error message to the input for screen readers."""

from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import BaseRenderer, DjangoTemplates


class KernBoundField(BoundField):
    """A field as core/field.html shows it: the hint has the id ``<id>-hint``, the message ``<id>-error``;
    the input points at both (aria-describedby) and says when it is invalid (aria-invalid)."""

    @property
    def layout(self) -> str:
        """Which of KERN's blocks shows the field: "fieldset" (a group of radios), "check" (a checkbox, its
        hint inside the label) or "input" (everything else)."""
        if self.use_fieldset:
            return "fieldset"
        if getattr(self.field.widget, "input_type", "") == "checkbox":
            return "check"
        return "input"

    @property
    def optional(self) -> bool:
        """Labelled "(optional)": the form marks optional fields, and this one is neither required nor
        required for some of the form's choices (``field.conditional``, which the hint then explains)."""
        return bool(
            getattr(self.form, "mark_optional", False)
            and not self.field.required
            and not getattr(self.field, "conditional", False)
        )

    @property
    def wrapper_class(self) -> str:
        """A layout class of the page for the block around this field (the filters' wide search field)."""
        classes: dict[str, str] = getattr(self.form, "wrapper_classes", {})
        return classes.get(self.name, "")

    @property
    def aria_describedby(self) -> str | None:
        if self.field.widget.attrs.get("aria-describedby"):
            return None  # set on the widget by the form: kept as it is
        ids = []
        if self.auto_id and not self.is_hidden:
            if self.help_text and self.layout == "input":
                ids.append(f"{self.auto_id}-hint")
            if self.errors:
                ids.append(f"{self.auto_id}-error")
        return " ".join(ids)

    def build_widget_attrs(self, attrs: dict[str, Any], widget: forms.Widget | None = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if self.errors and not widget.is_hidden:
            if self.use_fieldset:
                # Django links the fieldset; each radio of the group points at the group's message as well.
                attrs["aria-describedby"] = f"{self.auto_id}-error"
            css = widget.attrs.get("class", "")
            if css and (self.use_fieldset or getattr(self.form, "mark_invalid_inputs", False)):
                attrs["class"] = f"{css} {css.split()[0]}--error"
        return attrs


class KernFormRenderer(DjangoTemplates):
    """Django's renderer with KERN's templates for a form and a field (core/templates/core/)."""

    form_template_name = "core/form.html"
    field_template_name = "core/field.html"
    bound_field_class = KernBoundField


# One renderer for every form: it holds the engine that caches the loaded templates.
KERN_RENDERER = KernFormRenderer()


class AccessibleFormMixin:
    """A form in KERN's markup whose fields link their hint and error message to the input.

    The settings a form may change: ``mark_optional`` (label optional fields "(optional)"; filters, where
    every field is optional, do not), ``mark_invalid_inputs`` (an invalid input takes KERN's error style as
    well as its block; radios always do) and ``wrapper_classes`` (field name: a layout class for its block).
    """

    default_renderer: BaseRenderer | type[BaseRenderer] | None = KERN_RENDERER
    mark_optional = True
    mark_invalid_inputs = False
    wrapper_classes: dict[str, str] = {}
