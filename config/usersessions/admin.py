""" "Überall abmelden" (logout everywhere) as an action of the user admin.

Added to whichever admin class is registered for the user model when this module loads (the app comes
after the others in INSTALLED_APPS), so it combines with other changes to the user admin, not replacing
them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .services import user_sessions_end_all


@admin.action(description=_("Überall abmelden"), permissions=["change"])
def logout_everywhere(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> None:
    people = 0
    ended = 0
    for user in queryset:
        ended += user_sessions_end_all(user=user)
        people += 1
    modeladmin.message_user(
        request,
        ngettext(
            "%(people)d Person überall abgemeldet (%(sessions)d Sitzungen beendet).",
            "%(people)d Personen überall abgemeldet (%(sessions)d Sitzungen beendet).",
            people,
        )
        % {"people": people, "sessions": ended},
        messages.SUCCESS,
    )


def _add_action() -> None:
    user_model = get_user_model()
    if not admin.site.is_registered(user_model):
        return
    registered = type(admin.site.get_model_admin(user_model))
    if logout_everywhere in (registered.actions or ()):
        return
    with_action = type(
        registered.__name__, (registered,), {"actions": [*(registered.actions or ()), logout_everywhere]}
    )
    admin.site.unregister(user_model)
    admin.site.register(user_model, with_action)


_add_action()
