"""A phone with an authenticator app, for the tests: the device as the setting-up page leaves
it, and the code the app shows."""

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from trial.two_factor.devices import AUTHENTICATOR_NAME


def authenticator(user) -> TOTPDevice:
    """The user's confirmed authenticator app, set up if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=True)
    return device


def code_now(device: TOTPDevice, *, steps_later: int = 0) -> str:
    """The six digits the app shows now, or that many 30-second steps later."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits)
    generator.time = time.time() + steps_later * device.step
    return f"{generator.token():0{device.digits}d}"
