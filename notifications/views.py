from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from governance.inputs import submitted

from .forms import PreferenceForm
from .models import NotificationPreference
from .services import preference_update


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """The person's choice of optional mails."""
    user: Any = request.user
    current = NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)
    form = PreferenceForm(submitted(request), instance=current)
    if request.method == "POST" and form.is_valid():
        preference_update(
            actor=user,
            vorab_erinnerungen=form.cleaned_data["vorab_erinnerungen"],
            wochenuebersicht=form.cleaned_data["wochenuebersicht"],
            kommentare=form.cleaned_data["kommentare"],
        )
        messages.success(request, _("Ihre Mail-Einstellungen sind gespeichert."))
        return redirect("notifications:preferences")
    return render(request, "notifications/einstellungen.html", {"form": form})
