"""Electronic signatures: the password as the signing act, the lockout after wrong
passwords in a row, and the signature record that binds signer, time, meaning and content.

Every wrong password is in the access log (SIGNATURE_FAILED), written outside the
signature's transaction so that the refusal does not take the record with it. After
SIGNING_ATTEMPTS wrong passwords in a row the user may not sign for SIGNING_LOCKOUT; the
page ends their session."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from trial.accesslog import log_access
from trial.history import record_save
from trial.models import AccessAction, AccessLog

from .. import signatures
from ..models import Crf, Signature, SigningLockout
from .errors import CrfError, InvalidData

# How the access log says that a signing password was wrong.
WRONG_PASSWORD = "wrong password."


@dataclass
class SigningLocked(CrfError):
    """Signing is refused to the user until a time; ended_session when this attempt locked it."""

    until: datetime
    ended_session: bool = False

    def __str__(self):
        return signing_locked_message(self.until)


def signing_locked_message(until: datetime) -> str:
    return _(
        "Three wrong passwords in a row: signing is locked for you until %(time)s. "
        "You may enter and read data meanwhile."
    ) % {"time": timezone.localtime(until).strftime("%Y-%m-%d %H:%M %Z")}


def signing_locked_until(user) -> datetime | None:
    """When the user may sign again; None when they may sign now."""
    lockout = SigningLockout.objects.filter(user=user, until__gt=timezone.now()).first()
    return lockout.until if lockout else None


def _failures_in_a_row(user) -> int:
    """Wrong signing passwords since the user's last signature or last lockout (attempts
    refused while locked are logged too, but not counted)."""
    last_signature = AccessLog.objects.filter(user=user, action=AccessAction.SIGNATURE).aggregate(
        at=Max("at")
    )["at"]
    last_lockout = SigningLockout.objects.filter(user=user).aggregate(at=Max("started_at"))["at"]
    since = max((t for t in (last_signature, last_lockout) if t), default=None)
    failures = AccessLog.objects.filter(
        user=user, action=AccessAction.SIGNATURE_FAILED, detail__endswith=WRONG_PASSWORD
    )
    if since is not None:
        failures = failures.filter(at__gt=since)
    return failures.count()


def check_signing_password(user, password: str, *, what: str, site, request=None) -> None:
    """The signing act: refuse while signing is locked, log a wrong password, lock signing
    after SIGNING_ATTEMPTS of them in a row."""
    until = signing_locked_until(user)
    if until is not None:
        log_access(
            action=AccessAction.SIGNATURE_FAILED,
            user=user,
            request=request,
            detail=f"{what}: refused, signing locked until {until.isoformat()}.",
            site=site,
        )
        raise SigningLocked(until)
    if user.check_password(password):
        return
    log_access(
        action=AccessAction.SIGNATURE_FAILED,
        user=user,
        request=request,
        detail=f"{what}: wrong password.",
        site=site,
    )
    if _failures_in_a_row(user) >= signatures.SIGNING_ATTEMPTS:
        now = timezone.now()
        lockout = SigningLockout.objects.create(
            user=user, started_at=now, until=now + signatures.SIGNING_LOCKOUT
        )
        log_access(
            action=AccessAction.SIGNATURE_FAILED,
            user=user,
            request=request,
            detail=(
                f"{signatures.SIGNING_ATTEMPTS} wrong passwords in a row: signing locked "
                f"until {lockout.until.isoformat()}, session ended."
            ),
            site=site,
        )
        raise SigningLocked(lockout.until, ended_session=True)
    raise InvalidData({"password": [_("The password is not correct; nothing was signed.")]})


def record_signature(crf: Crf, *, acting_user, signed_at: datetime) -> Signature:
    """The signature record of a form just moved to signed, inside the step's transaction."""
    signature = Signature(
        patient=crf.patient,
        site=crf.site,
        form=crf,
        signer=acting_user,
        signed_at=signed_at,
        printed_name=signatures.printed_name(acting_user),
        signed_at_local=signatures.stamp(signed_at, crf.site.zone),
        meaning=signatures.MEANING,
        content_sha256=signatures.content_sha256(crf, signatures.MEANING),
        form_version=crf.version,
    )
    return record_save(signature, acting_user=acting_user, reason="Signed by investigator")


def current_signature(crf: Crf) -> Signature | None:
    """The signature the form carries now; None when unsigned or cleared by a change."""
    if crf is None or crf.pk is None or crf.signed_at is None:
        return None
    return Signature.objects.for_form(crf).select_related("signer").first()


def signature_matches(signature: Signature, crf: Crf) -> bool:
    """Whether the form's content is still what was signed."""
    return signature.content_sha256 == signatures.content_sha256(crf, signature.meaning)
