"""Writes of the notifications app that a person makes."""

from typing import Any

from django.db import transaction

from .models import NotificationPreference


@transaction.atomic
def preference_update(
    *, actor: Any, vorab_erinnerungen: bool, wochenuebersicht: bool, kommentare: bool = True
) -> NotificationPreference:
    """A person chooses which optional mails they get; overdue notices and decisions always come."""
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user=actor)
    preference.vorab_erinnerungen = vorab_erinnerungen
    preference.wochenuebersicht = wochenuebersicht
    preference.kommentare = kommentare
    preference.save(update_fields=["vorab_erinnerungen", "wochenuebersicht", "kommentare"])
    return preference
