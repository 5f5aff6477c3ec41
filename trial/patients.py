"""Registering patients and deriving their study status."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import access
from .access import Action
from .history import record_save
from .models import Patient, PatientStatus, Randomization, Sex, Site, SubjectSequence


@transaction.atomic
def register_patient(
    *,
    site: Site,
    sex: Sex | str,
    birth_year: int,
    acting_user,
    screening_number: str = "",
    consent_date: date | None = None,
) -> Patient:
    """Enrol a patient at a site and give them the next subject ID (S01-001, ...).

    The site's sequence row is locked for the transaction, so simultaneous
    registrations at one site never share or skip a number, and a number once issued
    is never issued again.
    """
    sequence, _ = SubjectSequence.objects.get_or_create(site=site)
    sequence = SubjectSequence.objects.select_for_update().get(pk=sequence.pk)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    patient = Patient(
        site=site,
        subject_id=f"{site.code}-{sequence.last_number:03d}",
        screening_number=screening_number,
        sex=sex,
        birth_year=birth_year,
        consent_date=consent_date,
        created_by=acting_user,
    )
    record_save(patient, acting_user=acting_user, reason="Patient registered")
    return patient


@transaction.atomic
def mark_patient_entered_in_error(*, patient: Patient, acting_user, reason: str) -> Patient:
    """Withdraw a patient registered by mistake; the record and its trail stay.

    Patients are never deleted. A randomized patient stays in the analysis: a mistaken
    randomization is recorded as a randomization correction instead.
    """
    access.require(acting_user, Action.ENTER, patient.site_id)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason the patient was entered in error.")})
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.entered_in_error:
        raise ValidationError(_("The patient is already marked as entered in error."))
    if Randomization.objects.filter(patient=patient).exists():
        raise ValidationError(
            _(
                "A randomized patient cannot be withdrawn as entered in error; record a "
                "randomization correction instead."
            )
        )
    patient.entered_in_error = True
    return record_save(patient, acting_user=acting_user, reason=reason.strip())


@dataclass(frozen=True)
class StatusFacts:
    """What the recorded data says about a patient, gathered by the CRF layer."""

    screen_failed: bool = False
    randomized: bool = False
    treatment_started: bool = False
    treatment_ended: bool = False
    died: bool = False
    study_ended: bool = False
    end_reason: str = ""  # completed, withdrew_consent, lost_to_follow_up, death, ...


def derive_status(facts: StatusFacts) -> PatientStatus:
    """The study status that follows from the recorded data; never typed."""
    if facts.died:
        return PatientStatus.DIED
    if facts.study_ended:
        if facts.end_reason == "completed":
            return PatientStatus.COMPLETED
        if not facts.randomized and facts.screen_failed:
            return PatientStatus.SCREEN_FAILED
        return PatientStatus.WITHDRAWN
    if facts.screen_failed and not facts.randomized:
        return PatientStatus.SCREEN_FAILED
    if facts.treatment_ended:
        return PatientStatus.FOLLOW_UP
    if facts.treatment_started:
        return PatientStatus.ON_TREATMENT
    if facts.randomized:
        return PatientStatus.RANDOMIZED
    return PatientStatus.SCREENING


def update_status(patient: Patient, facts: StatusFacts, *, acting_user, reason: str) -> bool:
    """Store the derived status when it changed; returns whether it did."""
    status = derive_status(facts)
    if patient.status == status:
        return False
    patient.status = status
    record_save(patient, acting_user=acting_user, reason=reason)
    return True
