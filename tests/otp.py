"""Verify a session with a real authenticator code, as a person would: for tests that open the admin."""

from typing import Any

from django_otp.oath import TOTP, hotp
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
    """A code the device has not accepted yet and accepts now: the one of the time step after the last it
    accepted. The device takes a step either side of its clock (its tolerance), so that code is good for a
    minute after the last one. Waiting for the clock to reach a new step instead took up to 30 s, and
    guessing the step from the clock failed when the last code had been accepted with drift."""
    device.refresh_from_db()
    assert device.last_t >= 0, "the device has not accepted a code yet: take current_code"
    assert device.tolerance >= 1, "the next step's code is accepted only with a tolerance of a step"
    return str(hotp(device.bin_key, device.last_t + 1, digits=device.digits)).zfill(device.digits)
