"""The workflow steps after data entry: source verification, signature, lock and unlock,
and withdrawing a form entered in error."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trial import access
from trial.access import Action
from trial.accesslog import log_access
from trial.history import record_save
from trial.models import AccessAction

from .. import patient_state
from ..models import Crf, FormStatus
from .errors import Conflict, FormLocked, InvalidData, TransitionRefused
from .queries import close_queries_of_withdrawn_form


def lock_for_update(crf: Crf, *, loaded_version: int | None) -> Crf:
    fresh = type(crf).objects.select_for_update().select_related("patient", "site").get(pk=crf.pk)
    if fresh.status == FormStatus.LOCKED:
        raise FormLocked(fresh)
    if loaded_version is not None and fresh.version != loaded_version:
        raise Conflict(fresh)
    return fresh


def _transition(crf, *, action, acting_user, loaded_version, allowed_from, reason, **changes):
    access.require(acting_user, action, crf.site_id)
    fresh = lock_for_update(crf, loaded_version=loaded_version)
    if fresh.status not in allowed_from:
        raise TransitionRefused(
            _("This form is %(status)s; that step is not possible now.")
            % {"status": fresh.get_status_display().lower()}
        )
    for name, value in changes.items():
        setattr(fresh, name, value)
    fresh.version += 1
    record_save(fresh, acting_user=acting_user, reason=reason)
    return fresh


@transaction.atomic
def crf_verify(*, crf: Crf, acting_user, loaded_version: int | None = None) -> Crf:
    """A monitor confirms the form matches the source documents."""
    return _transition(
        crf,
        action=Action.VERIFY,
        acting_user=acting_user,
        loaded_version=loaded_version,
        allowed_from=(FormStatus.COMPLETE,),
        reason="Source data verified",
        status=FormStatus.VERIFIED,
        verified_at=timezone.now(),
        verified_by=acting_user,
    )


def crf_sign(
    *, crf: Crf, acting_user, password: str, loaded_version: int | None = None, request=None
) -> Crf:
    """The investigator's e-signature: re-entering the password is the signature act.

    The signature is recorded in the form's history and in the access log (with the
    request's address when given); so is an attempt with a wrong password, outside the
    signature's transaction so that the refusal does not take the record with it.
    """
    if not acting_user.check_password(password):
        log_access(
            action=AccessAction.SIGNATURE_FAILED,
            user=acting_user,
            request=request,
            detail=f"{crf.patient.subject_id} {crf.FORM_CODE} #{crf.pk}: wrong password.",
            site=crf.site,
        )
        raise InvalidData({"password": [_("The password is not correct; nothing was signed.")]})
    return _sign(crf, acting_user=acting_user, loaded_version=loaded_version, request=request)


@transaction.atomic
def _sign(crf: Crf, *, acting_user, loaded_version: int | None, request) -> Crf:
    signed = _transition(
        crf,
        action=Action.SIGN,
        acting_user=acting_user,
        loaded_version=loaded_version,
        allowed_from=(FormStatus.COMPLETE, FormStatus.VERIFIED),
        reason="Signed by investigator",
        status=FormStatus.SIGNED,
        signed_at=timezone.now(),
        signed_by=acting_user,
    )
    log_access(
        action=AccessAction.SIGNATURE,
        user=acting_user,
        request=request,
        detail=(
            f"{signed.patient.subject_id} {signed.FORM_CODE} #{signed.pk} "
            f"version {signed.version} signed."
        ),
        site=signed.site,
    )
    return signed


@transaction.atomic
def crf_lock(*, crf: Crf, acting_user, loaded_version: int | None = None) -> Crf:
    """A data manager freezes a clean form."""
    return _transition(
        crf,
        action=Action.LOCK,
        acting_user=acting_user,
        loaded_version=loaded_version,
        allowed_from=(FormStatus.COMPLETE, FormStatus.VERIFIED, FormStatus.SIGNED),
        reason="Locked",
        status=FormStatus.LOCKED,
        locked_at=timezone.now(),
        locked_by=acting_user,
    )


@transaction.atomic
def crf_unlock(*, crf: Crf, acting_user, reason: str) -> Crf:
    """A data manager reopens a locked form; the reason is required and kept."""
    access.require(acting_user, Action.LOCK, crf.site_id)
    if not reason.strip():
        raise InvalidData({"reason": [_("Give a reason for unlocking the form.")]})
    fresh = type(crf).objects.select_for_update().get(pk=crf.pk)
    if fresh.status != FormStatus.LOCKED:
        raise TransitionRefused(_("This form is not locked."))
    previous = fresh.history.filter(status__in=[s for s in FormStatus if s != "locked"]).first()
    fresh.status = previous.status if previous else FormStatus.COMPLETE
    fresh.locked_at = fresh.locked_by = None
    fresh.version += 1
    record_save(fresh, acting_user=acting_user, reason=reason.strip())
    return fresh


@transaction.atomic
def crf_mark_entered_in_error(*, crf: Crf, acting_user, reason: str) -> Crf:
    """Withdraw a form entered by mistake; it stays in the database and the trail."""
    access.require(acting_user, Action.ENTER, crf.site_id)
    if not reason.strip():
        raise InvalidData({"reason": [_("Give a reason for withdrawing the form.")]})
    fresh = type(crf).objects.select_for_update().get(pk=crf.pk)
    if fresh.status == FormStatus.LOCKED:
        raise FormLocked(fresh)
    if fresh.entered_in_error:
        raise TransitionRefused(_("This form was already withdrawn as entered in error."))
    fresh.entered_in_error = True
    fresh.version += 1
    record_save(fresh, acting_user=acting_user, reason=reason.strip())
    close_queries_of_withdrawn_form(fresh, acting_user=acting_user, reason=reason.strip())
    patient_state.refresh_after(fresh, acting_user=acting_user)
    return fresh
