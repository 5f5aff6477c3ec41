"""From screening to an allocated arm: the gate's facts come from the completed forms."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from trial import randomization
from trial.models import Patient
from trial.randomization import RandomizationFacts, Refusal, Strata

from . import patient_state, services
from .models import (
    DONE_STATUSES,
    Consent,
    CtdnaSample,
    Eligibility,
    EndOfStudy,
    LiverResection,
    PerformanceStatus,
)
from .models.base import YesNoUnknown
from .models.baseline import MetastasisTiming
from .models.ctdna import CtdnaResult, CtdnaTimepoint
from .models.outcomes import EndOfStudyReason

ANSWERS = {YesNoUnknown.YES: "yes", YesNoUnknown.NO: "no", YesNoUnknown.UNKNOWN: "unknown"}


def _completed(model, patient):
    return (
        model.objects.filter(patient=patient, entered_in_error=False, status__in=DONE_STATUSES)
        .order_by("-pk")
        .first()
    )


def randomization_facts(patient: Patient, *, today: date | None = None) -> RandomizationFacts:
    """What the completed screening forms say; drafts do not count."""
    consent = _completed(Consent, patient)
    eligibility = _completed(Eligibility, patient)
    resection = _completed(LiverResection, patient)
    performance = _completed(PerformanceStatus, patient)
    ctdna_positive = CtdnaSample.objects.filter(
        patient=patient,
        entered_in_error=False,
        status__in=DONE_STATUSES,
        timepoint=CtdnaTimepoint.POST_SURGERY,
        result=CtdnaResult.POSITIVE,
    ).exists()

    def answers(codes):
        if eligibility is None:
            return {}
        return {code.upper(): ANSWERS.get(getattr(eligibility, code)) for code in codes}

    return RandomizationFacts(
        consent_date=consent.dsstdat if consent else None,
        today=today or timezone.localdate(),
        inclusion=answers(Eligibility.INCLUSION),
        exclusion=answers(Eligibility.EXCLUSION),
        birth_year=patient.birth_year,
        resection_margin=resection.margin if resection else None,
        ablation_used=resection.ablation if resection else None,
        ecog=performance.ecog if performance else None,
        asa=performance.asa if performance else None,
        postoperative_ctdna_positive=ctdna_positive,
        already_randomized=randomization.randomization_of(patient) is not None,
    )


def strata_for(patient: Patient) -> Strata | None:
    resection = _completed(LiverResection, patient)
    if resection is None or not resection.timing:
        return None
    return Strata(synchronous_metastases=resection.timing == MetastasisTiming.SYNCHRONOUS)


def blocking_criteria(patient: Patient, *, today: date | None = None) -> list[Refusal]:
    """Everything that still stands between this patient and randomization."""
    return randomization.randomization_refusals(randomization_facts(patient, today=today))


def randomize(*, patient: Patient, acting_user, request=None):
    """Randomize through the trial's gate and allocation, then open the treatment schedule."""
    strata = strata_for(patient) or Strata(synchronous_metastases=False)
    result = randomization.randomize_patient(
        patient=patient,
        facts=randomization_facts(patient),
        strata=strata,
        acting_user=acting_user,
        request=request,
    )
    with transaction.atomic():
        patient_state.refresh(patient, acting_user=acting_user)
    return result


def record_screen_failure(*, patient: Patient, acting_user, failure_date: date, reason: str):
    """A patient who will not be randomized leaves the study as a screen failure."""
    return services.crf_create(
        model=EndOfStudy,
        patient=patient,
        acting_user=acting_user,
        complete=True,
        data={
            "dsstdat": failure_date,
            "dsdecod": EndOfStudyReason.SCREEN_FAILURE,
            "dsterm": reason,
        },
    )
