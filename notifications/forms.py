from django import forms

from core.forms import AccessibleFormMixin
from core.widgets import CheckboxInput

from .models import NotificationPreference


class PreferenceForm(AccessibleFormMixin, forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["vorab_erinnerungen", "wochenuebersicht", "kommentare"]
        widgets = {
            "vorab_erinnerungen": CheckboxInput,
            "wochenuebersicht": CheckboxInput,
            "kommentare": CheckboxInput,
        }
