"""Withdrawing a patient registered by mistake, with what depends on them."""

from django.db import transaction

from trial.models import Patient
from trial.patients import mark_patient_entered_in_error

from ..models.workflow import Query
from .queries import close_all


@transaction.atomic
def withdraw_patient(*, patient: Patient, acting_user, reason: str) -> Patient:
    """A patient registered by mistake is marked entered in error (trial.patients) and the
    queries on their forms close with the reason: nobody is left to answer them."""
    withdrawn = mark_patient_entered_in_error(
        patient=patient, acting_user=acting_user, reason=reason
    )
    close_all(
        Query.objects.filter(patient=withdrawn),
        acting_user=acting_user,
        note=f"Patient entered in error: {reason.strip()}",
        reason="Patient entered in error",
    )
    return withdrawn
