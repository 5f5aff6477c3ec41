"""The workflow steps after data entry (source verification, signature, lock and unlock,
withdrawing a form entered in error), and the check every step of the workflow table goes
through, data entry's included: the form locked, its state allowed, its version loaded."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trial import access
from trial.accesslog import log_access
from trial.history import record_save
from trial.models import AccessAction

from .. import patient_state, workflow
from ..models import Crf, FormStatus
from ..workflow import Refusal, Step
from .errors import (
    WITHDRAWN_FORM,
    WITHDRAWN_PATIENT,
    Conflict,
    FormLocked,
    InvalidData,
    TransitionRefused,
)
from .queries import close_queries_of_withdrawn_form
from .signatures import check_signing_password, record_signature


def fresh_for_step(step: Step, crf: Crf, *, loaded_version: int | None) -> Crf:
    """The form, locked for the step, at the version the user loaded; refused when the
    workflow table does not allow the step on it now."""
    fresh = locked_form(crf)
    check_step(step, fresh, loaded_version=loaded_version)
    return fresh


def locked_form(crf: Crf) -> Crf:
    return type(crf).objects.select_for_update().select_related("patient", "site").get(pk=crf.pk)


def check_step(step: Step, fresh: Crf, *, loaded_version: int | None) -> None:
    """Refuse the step unless the table allows it on the form as it is now and the user
    loaded this version. A locked form says so before any conflict."""
    why = workflow.refusal_for(step, fresh)
    if why == Refusal.LOCKED:
        raise FormLocked(fresh)
    if loaded_version is not None and fresh.version != loaded_version:
        raise Conflict(fresh)
    if why is not None:
        raise refused(step, why, fresh)


def refused(step: Step, why: Refusal, crf: Crf | None) -> Exception:
    """The exception a service raises for a step the table refuses, in the page's words."""
    if step.enters_data and why == Refusal.FORM_WITHDRAWN:
        return InvalidData({"__all__": [str(WITHDRAWN_FORM)]})
    if step.enters_data and why == Refusal.PATIENT_WITHDRAWN:
        return InvalidData({"__all__": [str(WITHDRAWN_PATIENT)]})
    if step is workflow.WITHDRAW and why == Refusal.FORM_WITHDRAWN:
        return TransitionRefused(_("This form was already withdrawn as entered in error."))
    if why == Refusal.FORM_WITHDRAWN:
        return TransitionRefused(str(WITHDRAWN_FORM))
    if step is workflow.UNLOCK:
        return TransitionRefused(_("This form is not locked."))
    return TransitionRefused(
        _("This form is %(status)s; that step is not possible now.")
        % {"status": crf.get_status_display().lower()}
    )


def _require_reason(step: Step, reason: str) -> str:
    if step.needs_reason and not reason.strip():
        raise InvalidData({"reason": [str(step.reason_missing)]})
    return reason.strip()


def _take(step: Step, crf: Crf, *, acting_user, loaded_version=None, reason="", **changes):
    """Take a step of the workflow table: the user's role, the form's state and version
    checked, the form moved to the step's state and its history told why."""
    access.require(acting_user, step.action, crf.site_id)
    fresh = fresh_for_step(step, crf, loaded_version=loaded_version)
    return _move(step, fresh, acting_user=acting_user, reason=reason, **changes)


def _move(step: Step, fresh: Crf, *, acting_user, reason="", **changes) -> Crf:
    if step.to_state in FormStatus.values:
        fresh.status = step.to_state
    for name, value in changes.items():
        setattr(fresh, name, value)
    fresh.version += 1
    record_save(fresh, acting_user=acting_user, reason=reason or step.history_reason)
    return fresh


@transaction.atomic
def crf_verify(*, crf: Crf, acting_user, loaded_version: int | None = None) -> Crf:
    """A monitor confirms the form matches the source documents."""
    return _take(
        workflow.VERIFY,
        crf,
        acting_user=acting_user,
        loaded_version=loaded_version,
        verified_at=timezone.now(),
        verified_by=acting_user,
    )


def crf_sign(
    *, crf: Crf, acting_user, password: str, loaded_version: int | None = None, request=None
) -> Crf:
    """The investigator's e-signature: re-entering the password is the signature act.

    The signature is recorded in its own record (signer, time, meaning, the SHA-256 of the
    content), in the form's history and in the access log; a wrong password is logged and
    counts towards the signing lockout (services.signatures).
    """
    access.require(acting_user, workflow.SIGN.action, crf.site_id)
    check_signing_password(
        acting_user,
        password,
        what=f"{crf.patient.subject_id} {crf.FORM_CODE} #{crf.pk}",
        site=crf.site,
        request=request,
    )
    return _sign(crf, acting_user=acting_user, loaded_version=loaded_version, request=request)


@transaction.atomic
def _sign(crf: Crf, *, acting_user, loaded_version: int | None, request, at=None) -> Crf:
    at = at or timezone.now()
    signed = _take(
        workflow.SIGN,
        crf,
        acting_user=acting_user,
        loaded_version=loaded_version,
        signed_at=at,
        signed_by=acting_user,
    )
    record_signature(signed, acting_user=acting_user, signed_at=at)
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
    return _take(
        workflow.LOCK,
        crf,
        acting_user=acting_user,
        loaded_version=loaded_version,
        locked_at=timezone.now(),
        locked_by=acting_user,
    )


@transaction.atomic
def crf_unlock(*, crf: Crf, acting_user, reason: str) -> Crf:
    """A data manager reopens a locked form, back to the state it had before the lock; the
    reason is required and kept."""
    step = workflow.UNLOCK
    access.require(acting_user, step.action, crf.site_id)
    reason = _require_reason(step, reason)
    fresh = fresh_for_step(step, crf, loaded_version=None)
    previous = fresh.history.exclude(status=FormStatus.LOCKED).first()
    return _move(
        step,
        fresh,
        acting_user=acting_user,
        reason=reason,
        status=previous.status if previous else FormStatus.COMPLETE,
        locked_at=None,
        locked_by=None,
    )


@transaction.atomic
def crf_mark_entered_in_error(*, crf: Crf, acting_user, reason: str) -> Crf:
    """Withdraw a form entered by mistake; it stays in the database and the trail, and its
    queries close with it."""
    step = workflow.WITHDRAW
    access.require(acting_user, step.action, crf.site_id)
    reason = _require_reason(step, reason)
    withdrawn = _take(step, crf, acting_user=acting_user, reason=reason, entered_in_error=True)
    close_queries_of_withdrawn_form(withdrawn, acting_user=acting_user, reason=reason)
    patient_state.refresh_after(withdrawn, acting_user=acting_user)
    return withdrawn


def take_step(
    step: Step,
    *,
    crf: Crf,
    acting_user,
    loaded_version: int | None = None,
    reason: str = "",
    password: str = "",
    request=None,
) -> Crf:
    """One step of workflow.TRANSITIONS on a form, with what the form page asked for it."""
    if step is workflow.VERIFY:
        return crf_verify(crf=crf, acting_user=acting_user, loaded_version=loaded_version)
    if step is workflow.SIGN:
        return crf_sign(
            crf=crf,
            acting_user=acting_user,
            password=password,
            loaded_version=loaded_version,
            request=request,
        )
    if step is workflow.LOCK:
        return crf_lock(crf=crf, acting_user=acting_user, loaded_version=loaded_version)
    if step is workflow.UNLOCK:
        return crf_unlock(crf=crf, acting_user=acting_user, reason=reason)
    if step is workflow.WITHDRAW:
        return crf_mark_entered_in_error(crf=crf, acting_user=acting_user, reason=reason)
    raise ValueError(f"{step} is not a step taken beside the form")
