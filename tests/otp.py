"""Verify a session with a real authenticator code, as a person would: for tests that open the admin."""

from typing import Any

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(totp.token()).zfill(device.digits)


def verify_second_factor(client: Any, user: Any, **request: Any) -> TOTPDevice:
    """Enrol an app for the signed-in user and post its current code to the code page."""
    device = TOTPDevice.objects.create(user=user, name="Test", confirmed=True)
    response = client.post("/anmelden/code/", {"otp_token": current_code(device)}, **request)
    assert response.status_code == 302, response.content.decode()[:500]
    return device


def unused_code(device: TOTPDevice) -> str:
    """A code the device has not accepted yet: a code once accepted is never accepted again, so this waits (at
    most one time step) until the device's clock has moved past the last accepted step. Guessing the next
    step instead fails when the first code was accepted late in its step or with drift."""
    import time

    device.refresh_from_db()
    for _ in range(device.step * 10 + 10):
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        if device.last_t is None or totp.t() > device.last_t:
            return str(totp.token()).zfill(device.digits)
        time.sleep(0.1)
    raise AssertionError("the device's time step did not move on")
