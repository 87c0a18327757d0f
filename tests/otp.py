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


def next_code(device: TOTPDevice) -> str:
    """The code of the next time step (an app whose clock runs a little ahead, within the tolerance): a code
    once accepted is never accepted again, so a second sign-in within the same 30 seconds needs this one."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += device.step
    return str(totp.token()).zfill(device.digits)
