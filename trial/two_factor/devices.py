"""The second factor's devices and codes: setting up an authenticator app, checking a code,
recovery codes, removal. Every change and every wrong code is written to the access log.

Wrong codes are throttled by django-otp on each device: after n wrong codes in a row the next
one is not even checked for 2^(n-1) seconds.
"""

import base64
from dataclasses import dataclass
from datetime import datetime

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..accesslog import log_access
from ..models import AccessAction

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
TOTP_DIGITS = 6


@dataclass(frozen=True)
class CodeCheck:
    """The answer to a code: the device that took it, or why not."""

    device: Device | None = None
    throttled: bool = False  # not checked: too many wrong codes in a row
    wait_until: datetime | None = None  # when the next code will be checked

    @property
    def accepted(self) -> bool:
        return self.device is not None

    @property
    def wait_seconds(self) -> int:
        if self.wait_until is None:
            return 0
        return max(1, int((self.wait_until - timezone.now()).total_seconds() + 0.999))


def normalized(code: str) -> str:
    """What a person types, as the devices store it: no spaces or dashes, lower case."""
    return "".join(code.split()).replace("-", "").lower()


def is_authenticator_code(code: str) -> bool:
    return len(code) == TOTP_DIGITS and code.isdigit()


# Setting up --------------------------------------------------------------------------------


def authenticator_being_set_up(user) -> TOTPDevice:
    """The user's authenticator that has not yet given its first code, created on first use, so
    that the QR code stays the same until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it when typed: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address of the device as an SVG QR code, for an <img> (the page's
    Content-Security-Policy allows data: images)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def confirm_authenticator(*, device: TOTPDevice, code: str, request) -> tuple[CodeCheck, list]:
    """The first code from the app confirms it: two-factor authentication is on, and the user
    gets new recovery codes (returned, to be shown once)."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        check = _check(device, normalized(code))
        if not check.accepted:
            _log_wrong_code(check, request=request, what="setting up an authenticator app")
            return check, []
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _replace_recovery_codes(device.user)
        log_access(
            action=AccessAction.TWO_FACTOR_ENROL,
            request=request,
            user=device.user,
            detail=f"Authenticator app set up; {len(codes)} new recovery codes.",
        )
    return check, codes


# Signing in --------------------------------------------------------------------------------


def check_code(*, user, code: str, request) -> CodeCheck:
    """A code given at sign-in: six digits from the authenticator app, or a recovery code,
    which is used up. Devices are locked while they check, so that two requests cannot both
    use one code or both escape the throttle."""
    code = normalized(code)
    kind = TOTPDevice if is_authenticator_code(code) else StaticDevice
    check = CodeCheck()
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if isinstance(device, kind):
                check = _check(device, code)
                if check.accepted:
                    break
    if check.accepted:
        log_access(
            action=AccessAction.TWO_FACTOR_VERIFIED,
            request=request,
            user=user,
            detail=_describe(check.device),
        )
    else:
        what = "an authenticator code" if kind is TOTPDevice else "a recovery code"
        _log_wrong_code(check, request=request, user=user, what=f"signing in with {what}")
    return check


def _check(device: Device, code: str) -> CodeCheck:
    allowed, refusal = device.verify_is_allowed()
    if not allowed:
        return CodeCheck(throttled=True, wait_until=refusal.get("locked_until"))
    if device.verify_token(code):
        return CodeCheck(device=device)
    _, refusal = device.verify_is_allowed()
    return CodeCheck(wait_until=(refusal or {}).get("locked_until"))


def _describe(device: Device) -> str:
    if isinstance(device, StaticDevice):
        return f"Recovery code used; {device.token_set.count()} left."
    return "Authenticator app code."


def _log_wrong_code(check: CodeCheck, *, request, what: str, user=None) -> None:
    detail = f"Wrong code when {what}."
    if check.throttled:
        detail = f"Code not checked when {what}: too many wrong codes in a row."
    if check.wait_until is not None:
        detail += f" The next code is checked after {check.wait_until:%Y-%m-%d %H:%M:%S} UTC."
    log_access(action=AccessAction.TWO_FACTOR_FAILED, request=request, user=user, detail=detail)


# Recovery codes and removal ----------------------------------------------------------------


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def new_recovery_codes(*, user, request) -> list[str]:
    """Replace the user's recovery codes (the old ones stop working); returned to be shown
    once."""
    codes = _replace_recovery_codes(user)
    log_access(
        action=AccessAction.TWO_FACTOR_CODES,
        request=request,
        user=user,
        detail=f"{len(codes)} new recovery codes; the earlier ones no longer work.",
    )
    return codes


def _replace_recovery_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_CODES_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        device.token_set.create(token=code)
    return codes


@transaction.atomic
def remove(*, user, acting_user, request) -> None:
    """Two-factor authentication off for the user: their authenticator and recovery codes are
    deleted. By the user themself, or by an administrator for someone who lost their phone
    (they set it up again at their next sign-in if they must have it)."""
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
    by = "" if acting_user == user else f" by {acting_user.get_username()}"
    log_access(
        action=AccessAction.TWO_FACTOR_REMOVE,
        request=request,
        user=acting_user,
        detail=f"Two-factor authentication of {user.get_username()} removed{by}.",
    )
