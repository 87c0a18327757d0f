"""Response headers on a page of every kind: CSP, Permissions-Policy, COOP, and no-store when signed in."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation
from django.views.defaults import server_error

from tests.otp import verify_second_factor

pytestmark = pytest.mark.django_db

STATIC_FILE = "/static/css/app.css"


@pytest.fixture(autouse=True)
def plain_http(settings: Any) -> None:
    """The test client speaks plain HTTP; static files come from the finders (no collected manifest)."""
    settings.SECURE_SSL_REDIRECT = False
    settings.WHITENOISE_USE_FINDERS = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def csp(response: Any) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict_csp(response: Any) -> None:
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    assert "nonce-" not in header
    directives = csp(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]


def assert_common_headers(response: Any, *, page: bool = True) -> None:
    assert_strict_csp(response)
    policy = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    if page:
        # Static files are answered before Django's clickjacking middleware; frame-ancestors covers them.
        assert response.headers["X-Frame-Options"] == "DENY"


def cache_control(response: Any) -> set[str]:
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",") if part.strip()}


def assert_no_store(response: Any) -> None:
    assert {"no-store", "private"} <= cache_control(response), response.headers.get("Cache-Control")


def assert_cacheable(response: Any) -> None:
    assert "no-store" not in cache_control(response), response.headers.get("Cache-Control")


@pytest.fixture
def member() -> Any:
    return get_user_model().objects.create_user("mitglied", password="geheim-und-lang-2030")


@pytest.fixture
def signed_in(member: Any) -> Client:
    client = Client()
    client.force_login(member)
    return client


def verified_admin_client() -> Client:
    """A superuser whose session passed the second factor (the admin asks for it)."""
    admin = get_user_model().objects.create_superuser("verwaltung", password="geheim-und-lang-2030")
    client = Client()
    client.force_login(admin)
    verify_second_factor(client, admin)
    return client


@pytest.mark.parametrize("path", ["/", "/kernaktivitaeten/", "/dashboard/", "/impressum/"])
def test_public_page_anonymous(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert_common_headers(response)
    # The public pages may be kept by the browser for the public.
    assert_cacheable(response)


@pytest.mark.parametrize("path", ["/", "/aufgaben/", "/berichte/", "/kernaktivitaeten/"])
def test_signed_in_page(signed_in: Client, path: str) -> None:
    response = signed_in.get(path)
    assert response.status_code == 200
    assert_common_headers(response)
    assert_no_store(response)
    assert "Cookie" in response.headers["Vary"]


def test_form_page_signed_in(signed_in: Client) -> None:
    response = signed_in.get("/mail-einstellungen/")
    assert response.status_code == 200
    assert b"<form" in response.content
    assert_common_headers(response)
    assert_no_store(response)


def test_login_page(client: Client) -> None:
    response = client.get("/anmelden/")
    assert response.status_code == 200
    assert_common_headers(response)


def test_redirect_after_sign_in_is_not_stored(client: Client, member: Any) -> None:
    response = client.post("/anmelden/", {"username": "mitglied", "password": "geheim-und-lang-2030"})
    assert response.status_code == 302
    assert_common_headers(response)
    assert_no_store(response)


@pytest.mark.parametrize("path", ["/admin/login/", "/admin/"])
def test_admin_anonymous(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code in {200, 302}
    assert_common_headers(response)


@pytest.mark.parametrize("path", ["/admin/", "/admin/auth/user/", "/admin/governance/kernaktivitaet/add/"])
def test_admin_pages(path: str) -> None:
    client = verified_admin_client()
    response = client.get(path)
    assert response.status_code == 200
    assert_common_headers(response)
    assert_no_store(response)


def test_not_found_page(client: Client, signed_in: Client) -> None:
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert_common_headers(response)
    response = signed_in.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert_common_headers(response)
    assert_no_store(response)


def test_static_file_stays_cacheable_when_signed_in(client: Client, signed_in: Client) -> None:
    for who in (client, signed_in):
        response = who.get(STATIC_FILE)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/css")
        assert_common_headers(response, page=False)
        assert_cacheable(response)


def test_single_sign_on_provider_joins_form_action(client: Client, settings: Any) -> None:
    settings.OIDC_ENABLED = True
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = (
        "https://id.bochum.example/realms/stadt/protocol/openid-connect/auth"
    )
    settings.OIDC_OP_LOGOUT_ENDPOINT = "https://id.bochum.example/realms/stadt/protocol/openid-connect/logout"
    directives = csp(client.get("/anmelden/"))
    assert directives["form-action"] == ["'self'", "https://id.bochum.example"]
    assert directives["default-src"] == ["'self'"]


def test_provider_origin_not_allowed_while_single_sign_on_is_off(client: Client, settings: Any) -> None:
    settings.OIDC_ENABLED = False
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://id.bochum.example/auth"
    assert csp(client.get("/anmelden/"))["form-action"] == ["'self'"]


def test_csrf_failure_page_has_nothing_inline(member: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/anmelden/", {"username": "mitglied", "password": "geheim-und-lang-2030"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Formular abgelaufen" in body
    assert "<style" not in body and "style=" not in body and "<script" not in body
    assert_common_headers(response)


@pytest.mark.parametrize(
    ("language", "title"), [("de", "Ein Fehler ist aufgetreten"), ("en", "An error has occurred")]
)
def test_server_error_page_is_in_the_language_of_the_request(rf: Any, language: str, title: str) -> None:
    with translation.override(language):
        body = server_error(rf.get("/")).content.decode()
    assert f'<html lang="{language}">' in body and f'<h1 class="kern-heading-large">{title}</h1>' in body
