"""Response headers and session limits.

- ``SecurityHeadersMiddleware``: Permissions-Policy on every response, static files included.
- ``ProductCSPMiddleware``: django-csp with the policy of ``CONTENT_SECURITY_POLICY``; while single sign-on is
  on, the provider's origin joins ``form-action`` (Chromium applies form-action to the redirect that follows
  a form post, and the sign-in and sign-out forms end at the provider).
- ``SessionLimitsMiddleware``: signs out after ``SESSION_IDLE_SECONDS`` without a request and
  ``SESSION_MAX_SECONDS`` after sign-in; ``Cache-Control: no-store, private`` on every response to a
  signed-in session (a shared office PC's browser cache must not keep internal pages; static files are
  answered before the session is read and stay cacheable); keeps the per-person session registry that
  "Überall abmelden" (logout everywhere, config/usersessions) uses current when the session key changes.

The Django admin needs no relaxed policy: its templates load every script from a file (data in attributes
or JSON blocks); the two third-party admin pages with inline code are overridden in templates/admin/.
"""

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import resolve_url
from django.utils.cache import patch_cache_control
from django.utils.translation import ngettext

from config.auth import provider_origins
from config.usersessions.services import user_session_register

Handler = Callable[[HttpRequest], HttpResponseBase]

# Session keys of the limits. Integers (seconds since the epoch): the session serializer is JSON.
SIGNED_IN_AT = "_strategie_signed_in_at"
LAST_ACTIVITY = "_strategie_last_activity"
REGISTERED_KEY = "_strategie_registered_key"
# The activity stamp is written at most this often: a session write per request would be a database write
# per page view; a minute is far below any idle time.
ACTIVITY_RESOLUTION_SECONDS = 60


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme in {"http", "https"} and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def single_sign_on_origins() -> list[str]:
    """Origins of the identity provider's sign-in and sign-out pages, while single sign-on is on."""
    # The endpoints may come from the provider's discovery document (OIDC_OP_DISCOVERY), read in config.auth.
    return provider_origins()


class ProductCSPMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        origins = single_sign_on_origins()
        if origins and not report_only:
            configured = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].get("form-action", [])
            update = dict(parts.update or {})
            update["form-action"] = [*configured, *origins]
            parts.update = update
        return parts


class SessionLimitsMiddleware:
    """Idle timeout and absolute session lifetime for signed-in sessions.

    Both are enforced here, not by the session's storage expiry alone: every write of the session (the
    activity stamp) moves the storage expiry on, so a session in use would otherwise never end."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        refused = self._enforce(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        # Read inside the session middleware, so its Vary: Cookie covers this header too.
        if SESSION_KEY in request.session:
            patch_cache_control(response, no_store=True, private=True)
            self._track_key(request)
        return response

    def _enforce(self, request: HttpRequest) -> HttpResponseBase | None:
        session = request.session
        if SESSION_KEY not in session:
            return None
        now = int(time.time())
        signed_in_at = session.get(SIGNED_IN_AT)
        last_activity = session.get(LAST_ACTIVITY)
        if not isinstance(signed_in_at, int) or not isinstance(last_activity, int):
            # A session from before these limits (or one made without the sign-in signal): it starts now.
            start_clock(request)
            return None
        if now - signed_in_at >= settings.SESSION_MAX_SECONDS:
            hours = max(1, settings.SESSION_MAX_SECONDS // 3600)
            message = ngettext(
                "Ihre Anmeldung gilt höchstens %(hours)d Stunde. Bitte melden Sie sich erneut an.",
                "Ihre Anmeldung gilt höchstens %(hours)d Stunden. Bitte melden Sie sich erneut an.",
                hours,
            ) % {"hours": hours}
            return self._sign_out(request, message)
        if now - last_activity >= settings.SESSION_IDLE_SECONDS:
            minutes = max(1, settings.SESSION_IDLE_SECONDS // 60)
            message = ngettext(
                "Sie wurden nach %(minutes)d Minute ohne Aktivität abgemeldet. "
                "Bitte melden Sie sich erneut an.",
                "Sie wurden nach %(minutes)d Minuten ohne Aktivität abgemeldet. "
                "Bitte melden Sie sich erneut an.",
                minutes,
            ) % {"minutes": minutes}
            return self._sign_out(request, message)
        if now - last_activity >= ACTIVITY_RESOLUTION_SECONDS:
            session[LAST_ACTIVITY] = now
        return None

    def _sign_out(self, request: HttpRequest, message: str) -> HttpResponseBase:
        target = (
            request.get_full_path() if request.method == "GET" else resolve_url(settings.LOGIN_REDIRECT_URL)
        )
        logout(request)
        messages.warning(request, message)
        response = redirect_to_login(target, resolve_url(settings.LOGIN_URL))
        if request.headers.get("HX-Request"):
            # htmx follows a redirect inside its request and would swap the sign-in page into a fragment;
            # it loads the whole page for HX-Redirect instead.
            swapped = HttpResponse(status=204)
            swapped["HX-Redirect"] = response["Location"]
            return swapped
        return response

    def _track_key(self, request: HttpRequest) -> None:
        session = request.session
        key = session.session_key
        if key is None or session.get(REGISTERED_KEY) == key:
            return
        # The key changed (sign-in, password change) or the session predates the registry.
        user_session_register(
            user_id=session[SESSION_KEY], session_key=key, previous_key=session.get(REGISTERED_KEY)
        )
        session[REGISTERED_KEY] = key


def start_clock(request: HttpRequest) -> None:
    """Start the idle and lifetime clocks of a signed-in session."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_ACTIVITY] = now
