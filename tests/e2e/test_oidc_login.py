"""Single sign-on end to end: a real OpenID Connect provider process, the live server and a real browser."""

import json
import shutil
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test.utils import override_settings

from tests.e2e.conftest import _unavailable

pytestmark = pytest.mark.browser

PROVIDER = Path(__file__).with_name("oidc_provider.mjs")
COUNCIL_PAGE = "/aufgaben/ratsbeschluss/"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def provider() -> Iterator[str]:
    node = shutil.which("node")
    if node is None:
        _unavailable("no node for the OpenID Connect provider")
    port = _free_port()
    process = subprocess.Popen(
        [str(node), str(PROVIDER), str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("ready"):
            _unavailable(
                f"OIDC provider did not start: {line} {process.stderr.read() if process.stderr else ''}"
            )
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def sign_in_next(provider: str, person: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{provider}/test/user",
        data=json.dumps(person).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).close()


@pytest.fixture
def sso(provider: str) -> Iterator[str]:
    with override_settings(
        OIDC_ENABLED=True,
        OIDC_RP_CLIENT_ID="bochum-strategie",
        OIDC_RP_CLIENT_SECRET="geheim",
        OIDC_OP_DISCOVERY="",
        OIDC_OP_AUTHORIZATION_ENDPOINT=f"{provider}/authorize",
        OIDC_OP_TOKEN_ENDPOINT=f"{provider}/token",
        OIDC_OP_USER_ENDPOINT=f"{provider}/userinfo",
        OIDC_OP_JWKS_ENDPOINT=f"{provider}/jwks",
        OIDC_OP_LOGOUT_ENDPOINT=f"{provider}/endsession",
        OIDC_ROLE_MAP={"ratsbuero-bochum": "Ratsbuero", "strategie-zirkel": "Strategiezirkel"},
    ):
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

    page.click("header form[action='/abmelden/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("link", name="Anmelden", exact=True).is_visible()

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
