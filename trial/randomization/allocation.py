"""Randomizing a patient: the gate, then the next entry of their stratum's list;
reading and correcting a randomization."""

import logging
from collections.abc import Mapping
from dataclasses import replace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trial import access, protocol
from trial.access import Action
from trial.accesslog import log_access
from trial.history import record_save
from trial.models import (
    AccessAction,
    AllocationEntry,
    AllocationStratum,
    CorrectionKind,
    DataManagerAlert,
    Patient,
    Randomization,
    RandomizationCorrection,
)
from trial.patients import StatusFacts, update_status

from .errors import AllocationUnavailable, RandomizationRefused, StratumExhausted, StratumNotLoaded
from .gate import RandomizationFacts, Refusal, RefusalCode, patient_refusals, randomization_refusals
from .lists import require_allocation_rights
from .strata import Strata, stratum_key

# Log lines name the package, whichever of its modules writes them.
logger = logging.getLogger("trial.randomization")


def randomize_patient(
    *, patient: Patient, facts: RandomizationFacts, strata: Strata, acting_user, request=None
) -> Randomization:
    """Check the gate, then give the patient the next entry of their stratum's list.

    Raises Http404 / PermissionDenied (access), RandomizationRefused (the gate, with every
    refusal), or AllocationUnavailable (no entry left; data managers are alerted). Call it
    outside an open transaction: the alert is written after the allocation rolls back.
    """
    patient = access.get_patient_for(acting_user, patient.pk, action=Action.ENTER)
    if isinstance(strata, Mapping):
        strata = Strata(**strata)
    already = Randomization.objects.filter(patient=patient).exists()
    facts = replace(facts, already_randomized=facts.already_randomized or already)
    refusals = randomization_refusals(facts) + patient_refusals(patient)
    if refusals:
        raise RandomizationRefused(refusals)
    key = stratum_key(patient.site.code, strata.synchronous_metastases)
    try:
        return _allocate(patient=patient, key=key, acting_user=acting_user, request=request)
    except AllocationUnavailable as error:
        _alert_data_managers(error, patient=patient, acting_user=acting_user)
        raise


@transaction.atomic
def _allocate(*, patient: Patient, key: str, acting_user, request) -> Randomization:
    # Lock order: the patient, then the stratum. The stratum lock serializes allocation
    # within a stratum; the next statement then sees every earlier allocation committed.
    # of=self: a plain FOR UPDATE would also lock the joined site row.
    patient = (
        Patient.objects.select_for_update(of=("self",)).select_related("site").get(pk=patient.pk)
    )
    # Re-checked under the lock: a screen failure may have committed since the gate ran.
    refusals = patient_refusals(patient)
    if Randomization.objects.filter(patient=patient).exists():
        refusals.append(
            Refusal(RefusalCode.ALREADY_RANDOMIZED, _("The patient has already been randomized."))
        )
    if refusals:
        raise RandomizationRefused(refusals)
    stratum = AllocationStratum.objects.select_for_update().filter(key=key).first()
    if stratum is None:
        raise StratumNotLoaded(key)
    entry = (
        AllocationEntry.objects.filter(stratum=stratum, randomization__isnull=True)
        .order_by("position")
        .first()
    )
    if entry is None:
        raise StratumExhausted(key)
    randomization = Randomization(
        patient=patient,
        site=patient.site,
        entry=entry,
        arm=entry.arm,
        stratum=key,
        list_position=entry.position,
        randomized_at=timezone.now(),
        randomized_by=acting_user,
    )
    record_save(randomization, acting_user=acting_user, reason="Randomized")
    update_status(
        patient, StatusFacts(randomized=True), acting_user=acting_user, reason="Randomized"
    )
    log_access(
        action=AccessAction.RANDOMIZATION,
        user=acting_user,
        request=request,
        detail=f"{patient.subject_id} randomized in stratum {key}, position {entry.position}.",
        site=patient.site,
    )
    return randomization


def _alert_data_managers(error: AllocationUnavailable, *, patient: Patient, acting_user):
    logger.error(
        "Randomization of %s stopped: %s (stratum %s)", patient.subject_id, error, error.stratum
    )
    record_save(
        DataManagerAlert(
            kind=error.alert_kind,
            site=patient.site,
            stratum=error.stratum,
            patient=patient,
            message=_("Patient %(subject)s could not be randomized. %(error)s")
            % {"subject": patient.subject_id, "error": error},
        ),
        acting_user=acting_user,
        reason="Randomization stopped",
    )


def randomization_of(patient: Patient) -> Randomization | None:
    """The patient's randomization record, or None before randomization."""
    return Randomization.objects.filter(patient_id=patient.pk).first()


def arm_of(patient: Patient) -> protocol.Arm | None:
    """The arm the patient was randomized to (corrections never change it), or None."""
    arm = Randomization.objects.filter(patient_id=patient.pk).values_list("arm", flat=True).first()
    return protocol.Arm(arm) if arm else None


def record_randomization_correction(
    *, randomization: Randomization, kind: CorrectionKind | str, reason: str, acting_user
) -> RandomizationCorrection:
    """A data manager records that a randomization was an error; the original stays as is."""
    require_allocation_rights(acting_user)
    if not reason.strip():
        raise ValidationError(_("Give the reason for the correction."))
    correction = RandomizationCorrection(
        randomization=randomization,
        kind=CorrectionKind(kind),
        reason=reason.strip(),
        recorded_by=acting_user,
    )
    return record_save(correction, acting_user=acting_user, reason=reason.strip())
