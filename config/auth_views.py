"""Sign-in pages: password (with lockout), the second factor, its enrolment, single sign-on and sign-out.

A person with a confirmed authenticator app is not signed in after the password: the session only remembers
who passed the password step (for a few minutes), and the code completes the sign-in.
"""

import logging
import time
from base64 import b32encode
from datetime import timedelta
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

import requests
import segno
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from config.auth import (
    confirmed_totp_device,
    has_local_password,
    oidc_enabled,
    provider_endpoints,
    provider_logout_url,
    totp_device_confirm,
    totp_device_for_enrolment,
    totp_devices_remove,
)
from config.auth_forms import LoginForm, TokenForm

logger = logging.getLogger(__name__)

WRONG_CODE = gettext_lazy(
    "Der Code ist nicht richtig oder abgelaufen. Bitte geben Sie den aktuellen Code aus Ihrer App ein."
)
TOO_MANY_CODES = gettext_lazy(
    "Zu viele falsche Codes. Bitte warten Sie einen Moment und versuchen Sie es dann erneut."
)

PENDING_SESSION_KEY = "login_pending"
# Between password and code: long enough to open the app, short enough that a forgotten tab is no half login.
PENDING_SECONDS = 300


def safe_next(request: HttpRequest, candidate: str | None, default: str | None = None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or resolve_url(settings.LOGIN_REDIRECT_URL)


def lockout(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """django-axes: the German page for a locked account or client (429, before any password check)."""
    cool_off = get_cool_off(request) or timedelta(0)
    return render(
        request,
        "registration/lockout.html",
        {"minutes": max(1, int(cool_off.total_seconds() // 60))},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


# --- password ---------------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    form_class = LoginForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = oidc_enabled()
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if confirmed_totp_device(user) is None:
            return super().form_valid(form)
        # Password right, the code is still owed: remember who, not "signed in".
        self.request.session.cycle_key()
        self.request.session[PENDING_SESSION_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "since": time.time(),
        }
        return redirect("otp_verify")


def _pending_user(request: HttpRequest) -> tuple[AbstractBaseUser | None, dict[str, Any]]:
    pending = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(pending, dict):
        return None, {}
    if time.time() - float(pending.get("since", 0)) > PENDING_SECONDS:
        del request.session[PENDING_SESSION_KEY]
        return None, {}
    user_pk = pending.get("user")
    if not isinstance(user_pk, int):
        return None, {}
    user = get_user_model().objects.filter(pk=user_pk, is_active=True).first()
    return user, pending


# --- the code after the password, or for a signed-in person the admin asks for it ---------------------


@method_decorator([sensitive_post_parameters("otp_token"), csrf_protect, never_cache], name="dispatch")
class OtpVerifyView(View):
    template_name = "registration/otp_verify.html"

    def _subject(self, request: HttpRequest) -> tuple[AbstractBaseUser | None, dict[str, Any]]:
        if request.user.is_authenticated:
            return request.user, {}
        return _pending_user(request)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user, pending = self._subject(request)
        default_next = pending.get("next") if pending else None
        self.next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"), default_next)
        if user is None:
            messages.info(request, _("Bitte melden Sie sich erneut an."))
            return redirect("login")
        if request.user.is_authenticated and request.user.is_verified():  # type: ignore[attr-defined]
            return HttpResponseRedirect(self.next_url)
        device = confirmed_totp_device(user)
        if device is None:
            # Signed in, but the admin needs a second factor first: set one up.
            return redirect(f"{reverse('two_factor')}?{urlencode({'next': self.next_url})}")
        self.user, self.pending, self.device = user, pending, device
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form: TokenForm, status: int = 200) -> HttpResponse:
        return render(self.request, self.template_name, {"form": form, "next": self.next_url}, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_form(TokenForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TokenForm(request.POST)
        if not form.is_valid():
            return self.render_form(form)
        allowed, _detail = self.device.verify_is_allowed()
        verified = (
            verify_token(self.user, self.device.persistent_id, form.cleaned_data["otp_token"])
            if allowed
            else None
        )
        if verified is None:
            form.add_error(
                "otp_token",
                WRONG_CODE if allowed else TOO_MANY_CODES,
            )
            return self.render_form(form)
        if not request.user.is_authenticated:
            auth_login(request, self.user, backend=self.pending.get("backend"))  # type: ignore[arg-type]
            request.session.pop(PENDING_SESSION_KEY, None)
        otp_login(request, verified)
        return HttpResponseRedirect(self.next_url)


# --- "Zwei-Faktor-Anmeldung": enrol or remove the authenticator app -----------------------------------


@method_decorator(
    [login_required, sensitive_post_parameters("otp_token"), csrf_protect, never_cache], name="dispatch"
)
class TwoFactorView(View):
    template_name = "registration/two_factor.html"

    def context(self, form: TokenForm | None = None) -> dict[str, Any]:
        user = self.request.user
        wanted = self.request.GET.get("next") or self.request.POST.get("next")
        context: dict[str, Any] = {
            "local": has_local_password(user),
            # Where to go after enrolling (the admin sends people here); none: stay on this page.
            "next": safe_next(self.request, wanted) if wanted else "",
            "form": form or TokenForm(),
        }
        if not context["local"]:
            return context
        device = confirmed_totp_device(user)
        context["active"] = device is not None
        if device is None:
            enrolment = totp_device_for_enrolment(user)  # type: ignore[arg-type]
            context["secret"] = b32encode(enrolment.bin_key).decode()
        return context

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, self.context())

    def post(self, request: HttpRequest) -> HttpResponse:
        if not has_local_password(request.user):
            raise Http404
        form = TokenForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, self.context(form))
        token = form.cleaned_data["otp_token"]
        device = confirmed_totp_device(request.user)
        if device is None:
            return self._enrol(request, form, token)
        return self._remove(request, form, device, token)

    def _refused(self, form: TokenForm, allowed: bool) -> HttpResponse:
        form.add_error(
            "otp_token",
            WRONG_CODE if allowed else TOO_MANY_CODES,
        )
        return render(self.request, self.template_name, self.context(form))

    def _enrol(self, request: HttpRequest, form: TokenForm, token: str) -> HttpResponse:
        device = totp_device_for_enrolment(request.user)  # type: ignore[arg-type]
        allowed, _detail = device.verify_is_allowed()
        if not (allowed and verify_token(request.user, device.persistent_id, token)):
            return self._refused(form, allowed)
        totp_device_confirm(device=device)
        otp_login(request, device)
        messages.success(
            request,
            _("Die Zwei-Faktor-Anmeldung ist eingerichtet. Ab jetzt fragt die Anmeldung nach dem Code."),
        )
        return redirect(safe_next(request, request.POST.get("next"), reverse("two_factor")))

    def _remove(self, request: HttpRequest, form: TokenForm, device: TOTPDevice, token: str) -> HttpResponse:
        # Only with a current code: a session left open on a shared PC must not switch the second factor off.
        allowed, _detail = device.verify_is_allowed()
        if not (allowed and verify_token(request.user, device.persistent_id, token)):
            return self._refused(form, allowed)
        totp_devices_remove(user=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Die Zwei-Faktor-Anmeldung ist ausgeschaltet."))
        return redirect("two_factor")


@login_required
@never_cache
def two_factor_qr(request: HttpRequest) -> HttpResponse:
    """The QR code of the app being enrolled, as an SVG file (no inline markup in the page)."""
    if not has_local_password(request.user) or confirmed_totp_device(request.user) is not None:
        raise Http404
    device = totp_device_for_enrolment(request.user)  # type: ignore[arg-type]
    buffer = BytesIO()
    segno.make(device.config_url, error="m").save(
        buffer, kind="svg", scale=5, border=4, title=_("QR-Code für die Authentifizierungs-App"), xmldecl=True
    )
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


# --- sign-out -------------------------------------------------------------------------------------------


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Read before the session ends: the provider's session ends with it when it offers that.
        provider = provider_logout_url(request, request.session.get("oidc_id_token"))
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(provider) if provider else response


# --- single sign-on with the city's identity provider ---------------------------------------------------


def _provider_unavailable(request: HttpRequest) -> HttpResponse:
    messages.error(
        request,
        _(
            "Die Anmeldung mit dem Dienstkonto der Stadt ist gerade nicht möglich. Bitte versuchen Sie es "
            "später erneut oder melden Sie sich mit Benutzername und Passwort an."
        ),
    )
    return redirect("login")


class OIDCStartView(OIDCAuthenticationRequestView):
    def __init__(self, **kwargs: Any) -> None:
        View.__init__(self, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404
        try:
            endpoints = provider_endpoints()
        except (requests.RequestException, ValueError, SuspiciousOperation):
            logger.exception("OIDC discovery failed")
            return _provider_unavailable(request)
        self.OIDC_OP_AUTH_ENDPOINT = endpoints.authorization
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404
        try:
            return super().get(request)
        except (requests.RequestException, ValueError):
            logger.exception("OIDC sign-in failed talking to the provider")
            return _provider_unavailable(request)

    def login_failure(self) -> HttpResponse:
        messages.error(
            self.request,
            _(
                "Die Anmeldung mit dem Dienstkonto der Stadt ist nicht gelungen. Bitte versuchen Sie es "
                "erneut oder wenden Sie sich an die Administration."
            ),
        )
        return redirect("login")
