"""The sign-in pages pass axe-core (WCAG 2.1 A and AA) in German and English: the login page with the
city's single sign-on, the lockout page, setting up the second factor and giving its code, with errors too."""

from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.e2e.conftest import axe_violations, format_violations
from tests.otp import current_code

pytestmark = pytest.mark.browser

PASSWORD = "geheim-genug-123"


def assert_accessible(page: Any, status: int = 200) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core found on {page.url}:\n{format_violations(violations)}"


def sign_in(page: Any, username: str, password: str = PASSWORD) -> Any:
    page.goto("/anmelden/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation() as navigation:
        page.click("form[action='/anmelden/'] button[type=submit]")
    return navigation.value


@pytest.fixture
def person(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("sachbearbeitung", "sb@bochum.example", PASSWORD)


def test_login_page_with_single_sign_on_is_accessible(page: Any, settings: Any) -> None:
    settings.OIDC_ENABLED = True
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "http://127.0.0.1:9/authorize"
    response = page.goto("/anmelden/")
    assert response is not None and response.status == 200
    assert page.locator("#sso-login").is_visible()
    assert_accessible(page)


def test_lockout_page_is_accessible(page: Any, settings: Any, person: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 1
    response = sign_in(page, person.username, "falsch")
    assert response is not None and response.status == 429
    assert_accessible(page)


def test_second_factor_setup_is_accessible(page: Any, person: Any) -> None:
    sign_in(page, person.username)
    response = page.goto("/konto/zwei-faktor/")
    assert response is not None and response.status == 200
    # The QR code is a file of its own (no inline markup): it loads under the CSP.
    assert page.evaluate("() => document.querySelector('img.qr-code').naturalWidth") > 0
    assert_accessible(page)
    page.fill("#id_otp_token", "12")
    page.click("form[action='/konto/zwei-faktor/'] button[type=submit]")
    page.wait_for_selector("#error-summary")
    assert_accessible(page)
    device = TOTPDevice.objects.get(user=person, confirmed=False)
    page.fill("#id_otp_token", current_code(device))
    page.click("form[action='/konto/zwei-faktor/'] button[type=submit]")
    page.wait_for_selector("#ausschalten")
    assert_accessible(page)


def test_code_page_is_accessible(page: Any, person: Any) -> None:
    TOTPDevice.objects.create(user=person, name="App", confirmed=True)
    sign_in(page, person.username)
    assert page.url.endswith("/anmelden/code/")
    assert_accessible(page)
    page.fill("#id_otp_token", "abcdef")
    page.click("form[action='/anmelden/code/'] button[type=submit]")
    page.wait_for_selector("#error-summary")
    assert_accessible(page)
