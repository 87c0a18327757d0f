"""Single sign-on with the city's identity provider, against a real OpenID Connect provider process.

The browser's part (following the provider's redirects) is done here with plain HTTP; the browser test in
tests/e2e/test_oidc_login.py walks the same path in Chromium."""

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from tests.oidc import provider_process, sign_in_next, sso_settings
from workflow.rights import role_groups_ensure

RITA = {
    "sub": "a1",
    "preferred_username": "r.meier",
    "email": "r.meier@bochum.example",
    "given_name": "Rita",
    "family_name": "Meier",
    "groups": ["/ratsbuero-bochum", "kantine", "falsch"],
}


@pytest.fixture(autouse=True)
def plain_pages(settings: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with provider_process() as url:
        yield url


@pytest.fixture
def sso(provider: str, db: None) -> Iterator[str]:
    role_groups_ensure()
    with sso_settings(provider):
        yield provider


def sign_in(client: Any, person: dict[str, Any], provider: str) -> Any:
    """The browser's walk: our start page, the provider's authorization, back to our callback."""
    sign_in_next(provider, person)
    start = client.get("/anmelden/dienstkonto/?next=/kernaktivitaeten/", secure=True)
    assert start.status_code == 302 and start["Location"].startswith(f"{provider}/authorize?")
    authorize = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert authorize.status_code == 302
    callback = urlsplit(authorize.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}", secure=True)


def signed_in_as(client: Any) -> Any:
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id) if user_id else None


def test_off_by_default_no_button_and_no_routes(client: Any, db: None) -> None:
    page = client.get("/anmelden/", secure=True).content.decode()
    assert "Mit dem Dienstkonto der Stadt anmelden" not in page
    assert client.get("/anmelden/dienstkonto/", secure=True).status_code == 404
    assert client.get("/anmelden/dienstkonto/zurueck/?code=x&state=y", secure=True).status_code == 404


def test_the_login_page_offers_the_city_account(client: Any, sso: str) -> None:
    assert "Mit dem Dienstkonto der Stadt anmelden" in client.get("/anmelden/", secure=True).content.decode()


def test_sign_in_creates_the_person_with_exactly_the_mapped_roles(client: Any, sso: str) -> None:
    response = sign_in(client, RITA, sso)
    assert response.status_code == 302 and response["Location"] == "/kernaktivitaeten/"
    user = signed_in_as(client)
    assert user.username == "r.meier" and user.email == "r.meier@bochum.example"
    assert (user.first_name, user.last_name) == ("Rita", "Meier")
    # "kantine" maps to nothing, "falsch" to a role the product does not have.
    assert list(user.groups.values_list("name", flat=True)) == ["Ratsbuero"]
    assert not (user.is_staff or user.is_superuser or user.has_usable_password())


def test_roles_follow_the_provider_on_every_sign_in(client: Any, sso: str) -> None:
    sign_in(client, RITA, sso)
    client.post("/abmelden/", secure=True)
    sign_in(client, {**RITA, "groups": ["strategie-zirkel"]}, sso)
    user = signed_in_as(client)
    assert list(user.groups.values_list("name", flat=True)) == ["Strategiezirkel"]
    client.post("/abmelden/", secure=True)
    sign_in(client, {**RITA, "groups": []}, sso)
    assert not signed_in_as(client).groups.exists()


def test_a_local_account_of_the_same_name_is_not_taken_over(client: Any, sso: str) -> None:
    local = get_user_model().objects.create_superuser("r.meier", "admin@bochum.example", "lokal-geheim-123")
    response = sign_in(client, RITA, sso)
    assert response.status_code == 302 and response["Location"] == "/anmelden/"
    assert signed_in_as(client) is None
    local.refresh_from_db()
    assert local.email == "admin@bochum.example" and not local.groups.exists()
    page = client.get("/anmelden/", secure=True).content.decode()
    assert "Die Anmeldung mit dem Dienstkonto der Stadt ist nicht gelungen" in page


def test_local_accounts_still_sign_in_beside_it(client: Any, sso: str) -> None:
    get_user_model().objects.create_user("lokal", "l@bochum.example", "lokal-geheim-123")
    response = client.post("/anmelden/", {"username": "lokal", "password": "lokal-geheim-123"}, secure=True)
    assert response.status_code == 302 and signed_in_as(client).username == "lokal"


def test_a_user_name_that_does_not_fit_is_refused(client: Any, sso: str) -> None:
    response = sign_in(client, {**RITA, "preferred_username": "x" * 151}, sso)
    assert response.status_code == 302 and signed_in_as(client) is None
    assert not get_user_model().objects.exists()


def test_sign_out_ends_the_provider_session_too(client: Any, sso: str) -> None:
    sign_in(client, RITA, sso)
    response = client.post("/abmelden/", secure=True)
    assert response.status_code == 302 and response["Location"].startswith(f"{sso}/endsession?")
    assert "id_token_hint=" in response["Location"] and signed_in_as(client) is None


def test_provider_down_gives_a_german_message(client: Any, db: None) -> None:
    with sso_settings("http://127.0.0.1:9"):
        response = client.get("/anmelden/dienstkonto/", secure=True)
        assert response.status_code == 302  # to the provider: its address is configured, not asked
    with sso_settings(
        "http://127.0.0.1:9", OIDC_OP_AUTHORIZATION_ENDPOINT="", OIDC_OP_DISCOVERY="http://127.0.0.1:9/x"
    ):
        response = client.get("/anmelden/dienstkonto/", secure=True, follow=True)
    assert response.status_code == 200
    assert "gerade nicht möglich" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "code=%00&state=%00",
        "code=x&state=" + "y" * 100_000,
        "error=access_denied&state=x",
        "state=x",
        "code=1",
    ],
)
def test_a_forged_callback_never_fails(client: Any, sso: str, query: str) -> None:
    client.get("/anmelden/dienstkonto/", secure=True)  # a state of our own is in the session
    response = client.get(f"/anmelden/dienstkonto/zurueck/?{query}", secure=True)
    assert response.status_code in {302, 400} and signed_in_as(client) is None


def test_groups_without_roles_give_no_rights(client: Any, sso: str) -> None:
    Group.objects.get_or_create(name="kantine")
    sign_in(client, {**RITA, "groups": ["kantine"]}, sso)
    assert not signed_in_as(client).get_all_permissions()


def test_discovery_gives_the_endpoints_and_the_csp_lets_the_forms_reach_the_provider(
    client: Any, provider: str, db: None
) -> None:
    from config.auth import provider_endpoints

    # Only the discovery document: the endpoints and the form-action origins come from it.
    with sso_settings(
        provider,
        OIDC_OP_DISCOVERY=f"{provider}/.well-known/openid-configuration",
        OIDC_OP_AUTHORIZATION_ENDPOINT="",
        OIDC_OP_TOKEN_ENDPOINT="",
        OIDC_OP_USER_ENDPOINT="",
        OIDC_OP_JWKS_ENDPOINT="",
        OIDC_OP_LOGOUT_ENDPOINT="",
    ):
        endpoints = provider_endpoints()
        assert endpoints.token.endswith("/token") and endpoints.end_session.endswith("/endsession")
        policy = client.get("/anmelden/", secure=True)["Content-Security-Policy"]
    form_action = next(part for part in policy.split(";") if part.strip().startswith("form-action"))
    issuer = urlsplit(endpoints.authorization)
    assert f"{issuer.scheme}://{issuer.netloc}" in form_action
