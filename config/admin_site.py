"""The admin site: staff with a verified second factor only (no admin password form of its own)."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


def _verified(request: HttpRequest) -> bool:
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


class StrategieAdminSite(admin.AdminSite):
    """The admin needs staff rights and a session verified by the person's authenticator app.

    There is no separate admin password form: the product's sign-in (with its lockout) comes first, then
    the code; a staff member without an app is sent to set one up."""

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and _verified(request)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url, reverse("login"))
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        if not _verified(request):
            return redirect(f"{reverse('otp_verify')}?{urlencode({'next': next_url})}")
        return redirect(reverse("admin:index", current_app=self.name))
