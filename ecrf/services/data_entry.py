"""Entering a form: create it as a draft or complete, and save the user's changes.

Changing a completed form needs a reason and drops it back to complete, clearing
verification and signature (the history keeps them). Every save checks the version the
user loaded, so nobody silently overwrites anybody.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from trial import access
from trial.history import record_save
from trial.models import Patient

from .. import checks, derivations, patient_state, workflow
from ..models import Crf, FormStatus, Visit
from .errors import InvalidData
from .findings import record_findings
from .transitions import check_step, locked_form, refused

# Reads that the saves share -------------------------------------------------------------


def form_context(
    patient: Patient,
    model: type[Crf],
    values: dict,
    *,
    exclude_pk=None,
    facts: patient_state.PatientFacts | None = None,
):
    """The cross-form facts the edit checks need, gathered from the database (the
    patient's facts given when the caller has read them)."""
    state = facts if facts is not None else patient_state.facts_for(patient)
    previous_date = previous_number = None
    if hasattr(model, "cycle") and values.get("cycle"):
        previous = (
            model.objects.live()
            .filter(patient=patient, cycle__lt=values["cycle"])
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


def _validate(crf: Crf, *, complete: bool, facts) -> list[checks.Finding]:
    """Derive, then run the checks: hard findings raise, soft ones are returned."""
    ctx = form_context(crf.patient, type(crf), item_values(crf), exclude_pk=crf.pk, facts=facts)
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


def _existing(model, patient, visit):
    return model.objects.live().filter(patient=patient, visit=visit)


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
    step = workflow.entry_step(workflow.NOT_STARTED, complete=complete)
    access.require(acting_user, step.action, patient.site_id)
    why = workflow.refusal_for(step, None, patient=patient)
    if why is not None:
        raise refused(step, why, None)
    if visit is not None and visit.patient_id != patient.pk:
        raise InvalidData({"visit": [_("This visit belongs to another patient.")]})
    if not model.REPEATING and _existing(model, patient, visit).exists():
        raise InvalidData({"__all__": [_("This form already exists for this visit.")]})
    crf = model(patient=patient, site=patient.site, visit=visit, created_by=acting_user)
    _apply(crf, data)
    facts = patient_state.facts_for(patient)
    soft = _validate(crf, complete=step is workflow.COMPLETE, facts=facts)
    crf.status = step.to_state
    crf.updated_by = acting_user
    record_save(crf, acting_user=acting_user, reason="Form created")
    if crf.is_done:
        record_findings(crf, soft, acting_user)
    patient_state.refresh_after(crf, acting_user=acting_user, facts_before=facts)
    return crf


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
    """Save a user's changes to a form: a draft, its completion, or a change to a completed
    form (workflow.CHANGE), which needs a reason and clears verification and signature.

    Raises Conflict if someone saved since loaded_version, FormLocked if locked,
    InvalidData for hard checks, missing items, or a missing reason for change.
    A save that changes nothing leaves the form and its history untouched.
    """
    # Draft, complete and change all need the same action; which one is taken depends on
    # the form's state, read below under lock.
    access.require(acting_user, workflow.CHANGE.action, crf.site_id)
    fresh = locked_form(crf)
    step = workflow.entry_step(fresh.status, complete=complete)
    check_step(step, fresh, loaded_version=loaded_version)
    before = item_values(fresh)
    _apply(fresh, data)
    facts = patient_state.facts_for(fresh.patient)
    soft = _validate(fresh, complete=step.to_state == FormStatus.COMPLETE, facts=facts)
    changed = changed_items(before, item_values(fresh))
    if not changed and (step is workflow.CHANGE or step.to_state == fresh.status):
        return fresh
    if step.needs_reason and not reason.strip():
        raise InvalidData({"reason": [str(step.reason_missing)]})
    if step is workflow.CHANGE:
        fresh.verified_at = fresh.verified_by = None
        fresh.signed_at = fresh.signed_by = None
    fresh.status = step.to_state
    fresh.version += 1
    fresh.updated_by = acting_user
    record_save(fresh, acting_user=acting_user, reason=reason.strip() or step.history_reason)
    if fresh.is_done:
        record_findings(fresh, soft, acting_user, changed=changed)
    patient_state.refresh_after(fresh, acting_user=acting_user, facts_before=facts)
    return fresh
