"""Writes to case report forms: every change goes through here with who and why.

A form's life: draft -> complete -> verified (monitor) -> signed (investigator) -> locked
(data manager). Changing a completed form needs a reason and drops it back to complete,
clearing verification and signature (the history keeps them). Every save checks the
version the user loaded, so nobody silently overwrites anybody.
"""

from dataclasses import dataclass, field
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trial import access
from trial.access import Action
from trial.accesslog import log_access
from trial.history import record_save
from trial.models import AccessAction, Patient

from . import checks, derivations, patient_state
from .models import Crf, FormStatus, Visit
from .models.workflow import CheckFinding, FindingStatus


class CrfError(Exception):
    """Base of the refusals a page shows to the user."""


@dataclass
class Conflict(CrfError):
    """Someone saved the form after the user loaded it."""

    current: Crf

    def __str__(self):
        return _("%(user)s saved this form at %(time)s, after you opened it.") % {
            "user": self.current.updated_by or "?",
            "time": timezone.localtime(self.current.updated_at).strftime("%Y-%m-%d %H:%M"),
        }


@dataclass
class FormLocked(CrfError):
    crf: Crf

    def __str__(self):
        return _("This form was locked by %(user)s on %(time)s; it cannot be changed.") % {
            "user": self.crf.locked_by,
            "time": timezone.localtime(self.crf.locked_at).strftime("%Y-%m-%d %H:%M"),
        }


@dataclass
class InvalidData(CrfError):
    """Hard edit checks, missing required items or a missing reason, by item."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items())


class TransitionRefused(CrfError):
    pass


# Reads that the services share ----------------------------------------------------------


def form_context(patient: Patient, model: type[Crf], values: dict, *, exclude_pk=None):
    """The cross-form facts the edit checks need, gathered from the database."""
    state = patient_state.facts_for(patient)
    previous_date = previous_number = None
    if hasattr(model, "cycle") and values.get("cycle"):
        previous = (
            model.objects.filter(patient=patient, entered_in_error=False, cycle__lt=values["cycle"])
            .exclude(pk=exclude_pk)
            .order_by("-cycle")
            .first()
        )
        if previous:
            previous_date, previous_number = previous.exstdat, previous.cycle
    return checks.FormContext(
        today=patient.site.local_date(),
        consent_date=state.consent_date,
        birth_year=patient.birth_year,
        randomization_date=state.randomization_date,
        arm=state.arm,
        death_date=state.death_date,
        last_contact_date=state.last_contact_date,
        previous_cycle_date=previous_date,
        previous_cycle_number=previous_number,
        first_folfox_date=state.first_folfox_date,
        height_cm=float(state.height_cm) if state.height_cm else None,
    )


def item_values(crf: Crf) -> dict:
    return {f.name: getattr(crf, f.attname) for f in crf.item_fields()}


def missing_required(crf: Crf) -> list[str]:
    """Items a complete form must have; drafts may leave them empty."""
    missing = []
    for f in crf.item_fields():
        if f.editable and not f.blank and getattr(crf, f.attname) in (None, ""):
            missing.append(f.name)
    return missing


def changed_items(before: dict, after: dict) -> list[str]:
    return [name for name, value in after.items() if before.get(name) != value]


def _record_findings(crf: Crf, findings: list[checks.Finding], acting_user) -> None:
    """Keep one open finding per soft check and item; resolve those that no longer fire."""
    form_type = ContentType.objects.get_for_model(crf)
    existing = {
        (f.check_id, f.field_name): f
        for f in CheckFinding.objects.filter(
            form_type=form_type, form_id=crf.pk, status=FindingStatus.OPEN
        )
    }
    fired = set()
    for finding in findings:
        key = (finding.check_id, finding.field)
        fired.add(key)
        if key not in existing:
            record_save(
                CheckFinding(
                    patient=crf.patient,
                    site=crf.site,
                    form_type=form_type,
                    form_id=crf.pk,
                    field_name=finding.field,
                    check_id=finding.check_id,
                    message=finding.message[:400],
                ),
                acting_user=acting_user,
                reason="Edit check fired",
            )
    for key, stale in existing.items():
        if key not in fired:
            stale.status = FindingStatus.RESOLVED
            record_save(stale, acting_user=acting_user, reason="Edit check no longer fires")


def _validate(crf: Crf, *, complete: bool, acting_user) -> list[checks.Finding]:
    """Derive, then run the checks: hard findings raise, soft ones are returned."""
    ctx = form_context(crf.patient, type(crf), item_values(crf), exclude_pk=crf.pk)
    derivations.derive(crf, height_cm=ctx.height_cm)
    findings = checks.check_form(crf.FORM_CODE, item_values(crf), ctx)
    errors: dict[str, list[str]] = {}
    for finding in findings:
        if finding.hard:
            errors.setdefault(finding.field or "__all__", []).append(finding.message)
    if complete:
        for name in missing_required(crf):
            errors.setdefault(name, []).append(_("Required to mark the form complete."))
    if errors:
        raise InvalidData(errors)
    return [f for f in findings if not f.hard]


def _apply(crf: Crf, data: dict) -> None:
    editable = {f.name: f for f in crf.item_fields() if f.editable}
    for name, value in data.items():
        if name not in editable:
            raise InvalidData({name: [_("This item cannot be entered on this form.")]})
        setattr(crf, editable[name].attname, value)


# Writes ---------------------------------------------------------------------------------


@transaction.atomic
def crf_create(
    *,
    model: type[Crf],
    patient: Patient,
    data: dict,
    acting_user,
    visit: Visit | None = None,
    complete: bool = False,
) -> Crf:
    """Start a form for a patient (and visit), as a draft or straight to complete."""
    access.require(acting_user, Action.ENTER, patient.site_id)
    if visit is not None and visit.patient_id != patient.pk:
        raise InvalidData({"visit": [_("This visit belongs to another patient.")]})
    if not model.REPEATING and _existing(model, patient, visit).exists():
        raise InvalidData({"__all__": [_("This form already exists for this visit.")]})
    crf = model(patient=patient, site=patient.site, visit=visit, created_by=acting_user)
    _apply(crf, data)
    soft = _validate(crf, complete=complete, acting_user=acting_user)
    crf.status = FormStatus.COMPLETE if complete else FormStatus.DRAFT
    crf.updated_by = acting_user
    record_save(crf, acting_user=acting_user, reason="Form created")
    if complete:
        _record_findings(crf, soft, acting_user)
    patient_state.refresh_after(crf, acting_user=acting_user)
    return crf


def _existing(model, patient, visit):
    return model.objects.filter(patient=patient, visit=visit, entered_in_error=False)


def _lock_for_update(crf: Crf, *, loaded_version: int | None) -> Crf:
    fresh = type(crf).objects.select_for_update().select_related("patient", "site").get(pk=crf.pk)
    if fresh.status == FormStatus.LOCKED:
        raise FormLocked(fresh)
    if loaded_version is not None and fresh.version != loaded_version:
        raise Conflict(fresh)
    return fresh


@transaction.atomic
def crf_save(
    *,
    crf: Crf,
    data: dict,
    acting_user,
    loaded_version: int,
    reason: str = "",
    complete: bool = False,
) -> Crf:
    """Save a user's changes to a form.

    Raises Conflict if someone saved since loaded_version, FormLocked if locked,
    InvalidData for hard checks, missing items, or a missing reason for change.
    A save that changes nothing leaves the form and its history untouched.
    """
    access.require(acting_user, Action.ENTER, crf.site_id)
    fresh = _lock_for_update(crf, loaded_version=loaded_version)
    before = item_values(fresh)
    was_done = fresh.is_done
    _apply(fresh, data)
    soft = _validate(fresh, complete=complete or was_done, acting_user=acting_user)
    changed = changed_items(before, item_values(fresh))
    new_status = FormStatus.COMPLETE if (complete or was_done) else FormStatus.DRAFT
    if not changed and new_status == fresh.status:
        return fresh
    if was_done and changed and not reason.strip():
        raise InvalidData({"reason": [_("Give a reason for changing a completed form.")]})
    if was_done and changed:
        fresh.verified_at = fresh.verified_by = None
        fresh.signed_at = fresh.signed_by = None
    fresh.status = new_status
    fresh.version += 1
    fresh.updated_by = acting_user
    default_reason = "Marked complete" if complete and not was_done else "Draft saved"
    record_save(fresh, acting_user=acting_user, reason=reason.strip() or default_reason)
    if fresh.is_done:
        _record_findings(fresh, soft, acting_user)
    patient_state.refresh_after(fresh, acting_user=acting_user)
    return fresh


def _transition(crf, *, action, acting_user, loaded_version, allowed_from, reason, **changes):
    access.require(acting_user, action, crf.site_id)
    fresh = _lock_for_update(crf, loaded_version=loaded_version)
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


@transaction.atomic
def crf_sign(
    *, crf: Crf, acting_user, password: str, loaded_version: int | None = None, request=None
) -> Crf:
    """The investigator's e-signature: re-entering the password is the signature act.

    The signature is recorded in the form's history and in the access log (with the
    request's address when given).
    """
    if not acting_user.check_password(password):
        raise InvalidData({"password": [_("The password is not correct; nothing was signed.")]})
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
    fresh.entered_in_error = True
    fresh.version += 1
    record_save(fresh, acting_user=acting_user, reason=reason.strip())
    patient_state.refresh_after(fresh, acting_user=acting_user)
    return fresh


def explain_finding(*, finding: CheckFinding, acting_user, explanation: str) -> CheckFinding:
    access.require(acting_user, Action.ENTER, finding.site_id)
    if not explanation.strip():
        raise InvalidData({"explanation": [_("Give the explanation.")]})
    finding.explanation = explanation.strip()
    finding.status = FindingStatus.EXPLAINED
    return record_save(finding, acting_user=acting_user, reason="Finding explained")


@transaction.atomic
def add_unscheduled_visit(*, patient: Patient, visit_date: date, acting_user, reason: str) -> Visit:
    """An extra visit outside the schedule, numbered UNS01, UNS02, ..."""
    access.require(acting_user, Action.ENTER, patient.site_id)
    Patient.objects.select_for_update().get(pk=patient.pk)
    number = Visit.objects.filter(patient=patient, unscheduled=True).count() + 1
    visit = Visit(
        patient=patient,
        site=patient.site,
        code=f"UNS{number:02d}",
        name=_("Unscheduled visit %(n)d") % {"n": number},
        phase="any",
        sequence=10_000 + number,
        target_date=visit_date,
        window_start=visit_date,
        window_end=visit_date,
        visit_date=visit_date,
        unscheduled=True,
    )
    return record_save(visit, acting_user=acting_user, reason=reason or "Unscheduled visit")
