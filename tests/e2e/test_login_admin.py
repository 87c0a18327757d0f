"""The administrator's way into /admin/ in a real browser: password, then setting up the authenticator app on
first use, then the admin; the next time the code is asked right after the password."""

from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.otp import current_code, unused_code

pytestmark = pytest.mark.browser


def sign_in(page: Any) -> None:
    page.goto("/admin/")
    assert "/anmelden/" in page.url
    page.fill("#id_username", "admin")
    page.fill("#id_password", "strategie2030")
    page.click("form[action='/anmelden/'] button[type=submit]")


@pytest.mark.parametrize("language", ["de"], indirect=True)
def test_admin_sets_up_the_app_on_first_use_and_gives_the_code_afterwards(
    page: Any, live_server: Any, django_user_model: Any
) -> None:
    admin = django_user_model.objects.create_superuser("admin", "admin@bochum.example", "strategie2030")
    sign_in(page)
    page.wait_for_url("**/konto/zwei-faktor/?next=%2Fadmin%2F")
    assert page.evaluate("() => document.querySelector('img.qr-code').naturalWidth") > 0
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    page.fill("#id_otp_token", current_code(device))
    page.click("form[action='/konto/zwei-faktor/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.get_by_role("heading", name="Stammdaten und Prozessdaten").is_visible()

    page.context.clear_cookies()
    sign_in(page)
    page.wait_for_url("**/anmelden/code/")
    page.fill("#id_otp_token", unused_code(device))
    page.click("form[action='/anmelden/code/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.get_by_role("heading", name="Stammdaten und Prozessdaten").is_visible()
