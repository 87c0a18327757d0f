"""Authentication: the client address for the lockout, the city's single sign-on and the second factor.

Roles are Django groups (workflow/rights.py). A person signing in through the city's identity provider gets
exactly the role groups its groups map to (OIDC_ROLE_MAP), on every sign-in; nobody becomes staff that way.
"""

import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from workflow.rights import Role

logger = logging.getLogger(__name__)

User = get_user_model()
USERNAME_MAX_LENGTH = User._meta.get_field("username").max_length or 150
NAME_MAX_LENGTH = 150
EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length or 254


# --- the client of a login attempt (django-axes) ---------------------------------------------------------


def client_ip(request: HttpRequest) -> str:
    """The address the lockout counts per client.

    REMOTE_ADDR unless the deployment names its reverse proxies (LOGIN_TRUSTED_PROXIES = how many): then the
    address the outermost trusted proxy saw, counted from the right of X-Forwarded-For, because everything
    left of it is what the client chose to send."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    trusted = int(getattr(settings, "LOGIN_TRUSTED_PROXIES", 0) or 0)
    if trusted <= 0:
        return remote
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < trusted:
        return remote
    return forwarded[-trusted][:39]


# --- the second factor (django-otp) -----------------------------------------------------------------------


def has_local_password(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Accounts with a password of their own; those of the single sign-on have none here."""
    return bool(user.is_authenticated and user.has_usable_password())


def confirmed_totp_device(user: AbstractBaseUser | AnonymousUser) -> TOTPDevice | None:
    for device in devices_for_user(user, confirmed=True):
        if isinstance(device, TOTPDevice):
            return device
    return None


def user_has_second_factor(user: AbstractBaseUser | AnonymousUser) -> bool:
    return confirmed_totp_device(user) is not None


def totp_device_for_enrolment(user: AbstractBaseUser) -> TOTPDevice:
    """The one unconfirmed device a person enrols; created once, so reloading the page keeps its QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=str(_("Authentifizierungs-App")), confirmed=False)
    return device


def totp_device_confirm(*, device: TOTPDevice) -> None:
    """Enrolment done: this device is the person's second factor; leftovers of earlier attempts go."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()


def totp_devices_remove(*, user: AbstractBaseUser) -> int:
    deleted, _detail = TOTPDevice.objects.filter(user=user).delete()
    return deleted


# --- single sign-on (OpenID Connect) ---------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderEndpoints:
    authorization: str
    token: str
    userinfo: str
    jwks: str
    end_session: str


_discovered: dict[str, dict[str, Any]] = {}
_discovery_failed: dict[str, float] = {}
# After a failed read, pages do not wait for the provider again for a while.
DISCOVERY_RETRY_SECONDS = 60


def _discovery(url: str) -> dict[str, Any]:
    """The provider's discovery document, read once per process (it changes with a new provider only)."""
    if url not in _discovered:
        if time.monotonic() < _discovery_failed.get(url, 0):
            raise requests.ConnectionError("OIDC discovery failed a moment ago")
        try:
            response = requests.get(url, timeout=getattr(settings, "OIDC_TIMEOUT", 10))
        except requests.RequestException:
            _discovery_failed[url] = time.monotonic() + DISCOVERY_RETRY_SECONDS
            raise
        response.raise_for_status()
        document = response.json()
        if not isinstance(document, dict):
            raise SuspiciousOperation("OIDC discovery document is not an object")
        _discovered[url] = document
    return _discovered[url]


def provider_endpoints() -> ProviderEndpoints:
    """Endpoints set one by one win; the rest come from OIDC_OP_DISCOVERY."""
    document: dict[str, Any] = {}
    if settings.OIDC_OP_DISCOVERY:
        document = _discovery(settings.OIDC_OP_DISCOVERY)

    def pick(setting: str, key: str) -> str:
        return str(getattr(settings, setting, "") or document.get(key) or "")

    return ProviderEndpoints(
        authorization=pick("OIDC_OP_AUTHORIZATION_ENDPOINT", "authorization_endpoint"),
        token=pick("OIDC_OP_TOKEN_ENDPOINT", "token_endpoint"),
        userinfo=pick("OIDC_OP_USER_ENDPOINT", "userinfo_endpoint"),
        jwks=pick("OIDC_OP_JWKS_ENDPOINT", "jwks_uri"),
        end_session=pick("OIDC_OP_LOGOUT_ENDPOINT", "end_session_endpoint"),
    )


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_ENABLED", False))


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme in {"http", "https"} and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def provider_origins() -> list[str]:
    """Origins of the provider's sign-in and sign-out pages (the CSP's form-action needs them, since the
    sign-out form ends there); none while single sign-on is off or the provider cannot be reached."""
    if not oidc_enabled():
        return []
    try:
        endpoints = provider_endpoints()
    except (requests.RequestException, ValueError, SuspiciousOperation):
        return []
    return sorted({o for o in (_origin(endpoints.authorization), _origin(endpoints.end_session)) if o})


def mapped_roles(claims: dict[str, Any]) -> set[str]:
    """The product roles a person's provider groups map to; unknown groups give nothing.

    Keycloak writes group paths ("/strategie-zirkel"); the leading slash is not part of the name."""
    raw = claims.get(settings.OIDC_ROLE_CLAIM, [])
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        return set()
    known = set(Role.values)
    roles: set[str] = set()
    for group in raw:
        if not isinstance(group, str):
            continue
        role = settings.OIDC_ROLE_MAP.get(group.lstrip("/"))
        if role is None:
            continue
        if role not in known:
            logger.error("OIDC_ROLE_MAP names %r, which is no role of the product; ignored", role)
            continue
        roles.add(role)
    return roles


def user_roles_set(*, user: AbstractBaseUser, roles: set[str]) -> None:
    """Exactly these role groups; groups that are no role (none today) stay as they are."""
    role_groups = Group.objects.filter(name__in=Role.values)
    wanted = [group for group in role_groups if group.name in roles]
    groups = user.groups  # type: ignore[attr-defined]
    with transaction.atomic():
        groups.remove(*[group for group in role_groups if group.name not in roles])
        groups.add(*wanted)


def _claim_str(claims: dict[str, Any], key: str, limit: int) -> str:
    value = claims.get(key)
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "").strip()[:limit]


def oidc_username(claims: dict[str, Any]) -> str:
    """preferred_username, else sub; refused when it does not fit a user name."""
    for key in ("preferred_username", "sub"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            name = value.strip()
            if len(name) > USERNAME_MAX_LENGTH or "\x00" in name:
                raise SuspiciousOperation("OIDC user name does not fit")
            return name
    raise SuspiciousOperation("OIDC claims carry neither preferred_username nor sub")


def _names(claims: dict[str, Any]) -> tuple[str, str]:
    first = _claim_str(claims, "given_name", NAME_MAX_LENGTH)
    last = _claim_str(claims, "family_name", NAME_MAX_LENGTH)
    if not (first or last):
        full = _claim_str(claims, "name", 2 * NAME_MAX_LENGTH)
        first, _sep, last = full.partition(" ")
    return first[:NAME_MAX_LENGTH], last.strip()[:NAME_MAX_LENGTH]


class StrategieOIDCBackend(OIDCAuthenticationBackend):
    """The city's identity provider: the account is created or updated from the claims on every sign-in.

    Constructed for every authentication and session lookup, so the constructor reads nothing from the
    network; the endpoints are resolved when a provider callback arrives and only with OIDC_ENABLED."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.UserModel = User
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = getattr(settings, "OIDC_RP_IDP_SIGN_KEY", None)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        if request is None or not oidc_enabled() or "nonce" not in kwargs:
            # Only the provider callback passes a nonce; a password login never reaches the provider.
            return None
        endpoints = provider_endpoints()
        self.OIDC_OP_TOKEN_ENDPOINT = endpoints.token
        self.OIDC_OP_USER_ENDPOINT = endpoints.userinfo
        self.OIDC_OP_JWKS_ENDPOINT = endpoints.jwks
        return super().authenticate(request, **kwargs)

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        # Keycloak puts groups in the ID token or the userinfo answer, depending on its mappers.
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if not isinstance(userinfo, dict):
            raise SuspiciousOperation("OIDC userinfo is not an object")
        if userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("OIDC userinfo is about someone else than the ID token")
        return {**payload, **userinfo}

    def verify_token(self, token: str, **kwargs: Any) -> Any:
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        if self.OIDC_RP_CLIENT_ID not in (audience if isinstance(audience, list) else [audience]):
            raise SuspiciousOperation("OIDC token was issued for another client")
        return payload

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        oidc_username(claims)
        return True

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return self.UserModel.objects.filter(username=oidc_username(claims))

    def create_user(self, claims: dict[str, Any]) -> Any:
        user = self.UserModel(username=oidc_username(claims), is_staff=False, is_superuser=False)
        # No password here: the provider signs this person in, and a password login stays impossible.
        user.set_unusable_password()
        user.save()
        return self.update_user(user, claims)

    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        if user.has_usable_password() or user.is_superuser:
            # A local account of the same name is not taken over by whoever holds that name at the provider.
            raise SuspiciousOperation("OIDC sign-in refused for a local account of the same name")
        user.email = _claim_str(claims, "email", EMAIL_MAX_LENGTH)
        user.first_name, user.last_name = _names(claims)
        user.save(update_fields=["email", "first_name", "last_name"])
        user_roles_set(user=user, roles=mapped_roles(claims))
        return user


def provider_logout_url(request: HttpRequest, id_token: str | None) -> str | None:
    """Where the browser goes to end the provider's session too, if the provider offers it."""
    if not (oidc_enabled() and id_token):
        return None
    try:
        end_session = provider_endpoints().end_session
    except (requests.RequestException, ValueError, SuspiciousOperation):
        logger.warning("OIDC end-session endpoint unknown (discovery failed); only the local session ends")
        return None
    if not end_session:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL)),
        }
    )
    return f"{end_session}?{query}"
