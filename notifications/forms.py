from django import forms

from .models import NotificationPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["vorab_erinnerungen", "wochenuebersicht"]
        widgets = {
            "vorab_erinnerungen": forms.CheckboxInput(attrs={"class": "kern-form-check__checkbox"}),
            "wochenuebersicht": forms.CheckboxInput(attrs={"class": "kern-form-check__checkbox"}),
        }
