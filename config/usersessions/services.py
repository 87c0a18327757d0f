"""Writes of the session registry."""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .models import UserSession


def user_session_register(*, user_id: int | str, session_key: str, previous_key: str | None = None) -> None:
    """Record that ``session_key`` is a signed-in session of the user (replacing ``previous_key``)."""
    with transaction.atomic():
        if previous_key and previous_key != session_key:
            UserSession.objects.filter(session_key=previous_key).delete()
        UserSession.objects.update_or_create(session_key=session_key, defaults={"user_id": user_id})
        # Rows of sessions that can no longer be valid (older than the longest session): nothing to end.
        cutoff = timezone.now() - timedelta(seconds=settings.SESSION_MAX_SECONDS)
        UserSession.objects.filter(user_id=user_id, created_at__lt=cutoff).delete()


def user_session_forget(*, session_key: str) -> None:
    UserSession.objects.filter(session_key=session_key).delete()


def user_sessions_end_all(*, user: AbstractBaseUser) -> int:
    """End every signed-in session of the user ("Überall abmelden"); returns how many were registered."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    with transaction.atomic():
        keys = list(
            UserSession.objects.select_for_update()
            .filter(user_id=user.pk)
            .values_list("session_key", flat=True)
        )
        for key in keys:
            store(session_key=key).delete()
        UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)
