"""The form of a comment in the discussion of a KA."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import AccessibleFormMixin
from core.widgets import Textarea
from governance.inputs import TextField

from .models import KOMMENTAR_MAX


class KommentarForm(AccessibleFormMixin, forms.Form):
    # Its own prefix: the form sits on pages with forms of their own (the proposal form, a decision).
    prefix = "kommentar"

    text = TextField(
        label=_("Ihr Kommentar"),
        max_length=KOMMENTAR_MAX,
        widget=Textarea(rows=4),
        help_text=_(
            "Intern, nie öffentlich. Die andere Seite erhält eine Mail. Ein Kommentar kann nicht "
            "geändert oder gelöscht werden."
        ),
        error_messages={"required": _("Bitte schreiben Sie einen Kommentar.")},
    )
