"""The upload form of a KA's documents. What a file is and how large it may be is checked by the service
(``workflow.services.documents``); the form takes the file and the choice public or internal."""

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from core.forms import AccessibleFormMixin
from core.widgets import CheckboxInput, FileInput
from governance.documents import TYPES

# What the file chooser offers first; any other file can still be chosen and is then refused with a reason.
ACCEPT = ",".join(sorted({f".{extension}" for kind in TYPES for extension in kind.extensions}))


class DokumentForm(AccessibleFormMixin, forms.Form):
    datei = forms.FileField(label=_("Datei"), widget=FileInput(attrs={"accept": ACCEPT}))
    oeffentlich = forms.BooleanField(
        label=_("öffentlich"),
        required=False,
        help_text=_("sichtbar für alle, sobald die Kernaktivität öffentlich ist"),
        widget=CheckboxInput(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["datei"].help_text = _(
            "PDF, OpenDocument, Microsoft Office oder ein Bild (PNG, JPEG, GIF, WebP), höchstens %(limit)s."
        ) % {"limit": filesizeformat(settings.DOKUMENT_MAX_BYTES)}
