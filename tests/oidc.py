"""A real OpenID Connect provider process for the single sign-on tests (tests/e2e/oidc_provider.mjs)."""

import json
import shutil
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.test.utils import override_settings

from tests.e2e.conftest import _unavailable

PROVIDER_SCRIPT = Path(__file__).resolve().parent / "e2e" / "oidc_provider.mjs"
CLIENT_ID = "bochum-strategie"
ROLE_MAP = {
    "ratsbuero-bochum": "Ratsbuero",
    "strategie-zirkel": "Strategiezirkel",
    "falsch": "Oberbuergermeister",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def provider_process() -> Iterator[str]:
    """Start the provider on a free loopback port; yields its base URL."""
    node = shutil.which("node")
    if node is None:
        _unavailable("no node to run the OpenID Connect provider (frontend/ needs Node.js)")
    port = _free_port()
    process = subprocess.Popen(
        [str(node), str(PROVIDER_SCRIPT), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("ready"):
            process.kill()
            reason = process.stderr.read() if process.stderr else ""
            _unavailable(f"the OpenID Connect provider did not start: {reason}")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def sso_settings(provider: str, **extra: Any) -> Iterator[None]:
    values: dict[str, Any] = {
        "OIDC_ENABLED": True,
        "OIDC_RP_CLIENT_ID": CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": "geheim",
        "OIDC_OP_DISCOVERY": "",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{provider}/authorize",
        "OIDC_OP_TOKEN_ENDPOINT": f"{provider}/token",
        "OIDC_OP_USER_ENDPOINT": f"{provider}/userinfo",
        "OIDC_OP_JWKS_ENDPOINT": f"{provider}/jwks",
        "OIDC_OP_LOGOUT_ENDPOINT": f"{provider}/endsession",
        "OIDC_ROLE_MAP": ROLE_MAP,
    }
    with override_settings(**{**values, **extra}):
        yield


def sign_in_next(provider: str, person: dict[str, Any]) -> None:
    """The provider signs this person in at the next authorization."""
    request = urllib.request.Request(
        f"{provider}/test/user",
        data=json.dumps(person).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).close()
