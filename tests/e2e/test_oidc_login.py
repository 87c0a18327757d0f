"""Single sign-on end to end: a real OpenID Connect provider process, the live server and a real browser."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.oidc import provider_process, sign_in_next, sso_settings

pytestmark = pytest.mark.browser

COUNCIL_PAGE = "/aufgaben/ratsbeschluss/"


@pytest.fixture
def sso() -> Iterator[str]:
    with provider_process() as provider, sso_settings(provider):
        yield provider


@pytest.mark.parametrize("language", ["de"], indirect=True)
def test_single_sign_on_maps_roles_and_signs_out(
    page: Any, live_server: Any, strategy: None, sso: str
) -> None:
    from django.contrib.auth import get_user_model

    sign_in_next(
        sso,
        {
            "sub": "a1",
            "preferred_username": "r.meier",
            "email": "r.meier@bochum.example",
            "name": "Rita Meier",
            "groups": ["/ratsbuero-bochum", "kantine"],
        },
    )
    page.goto("/anmelden/")
    page.click("#sso-login")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_text("Angemeldet als r.meier").is_visible()
    user = get_user_model().objects.get(username="r.meier")
    assert list(user.groups.values_list("name", flat=True)) == ["Ratsbuero"]
    assert not (user.is_staff or user.is_superuser or user.has_usable_password())
    response = page.goto(COUNCIL_PAGE)
    assert response is not None and response.status == 200

    # Sign-out ends the provider's session too: the browser passes its end-session page and comes back.
    with page.expect_request(lambda request: "/endsession" in request.url):
        page.click("header form[action='/abmelden/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("link", name="Anmelden", exact=True).is_visible()
    response = page.goto(COUNCIL_PAGE)
    assert response is not None and "/anmelden/" in page.url

    sign_in_next(
        sso, {"sub": "b2", "preferred_username": "k.gast", "email": "k@bochum.example", "groups": []}
    )
    page.goto("/anmelden/")
    page.click("#sso-login")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_text("Angemeldet als k.gast").is_visible()
    assert not get_user_model().objects.get(username="k.gast").groups.exists()
    response = page.goto(COUNCIL_PAGE)
    assert response is not None and response.status in {403, 404}
