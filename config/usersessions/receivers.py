"""Sign-in and sign-out: start the session clocks and keep the registry."""

from typing import Any

from django.http import HttpRequest

from config.security import REGISTERED_KEY, start_clock

from .services import user_session_forget, user_session_register


def signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if request is None or session is None:
        return
    start_clock(request)
    if session.session_key:
        user_session_register(
            user_id=user.pk, session_key=session.session_key, previous_key=session.get(REGISTERED_KEY)
        )
        session[REGISTERED_KEY] = session.session_key


def signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        user_session_forget(session_key=session.session_key)
