"""What a patient's recorded forms say: anchor dates, status facts, the visit schedule."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Max, Min

from trial.history import record_save
from trial.models import Patient
from trial.patients import StatusFacts, update_status
from trial.protocol import Arm

from . import schedule
from .models import (
    Consent,
    CtdnaSample,
    Death,
    EndOfStudy,
    EndOfTreatment,
    FolfoxCycle,
    Recurrence,
    SurvivalFollowUp,
    Visit,
    VitalSigns,
)
from .models.ctdna import CtdnaResult, CtdnaTimepoint


@dataclass(frozen=True)
class PatientFacts:
    consent_date: date | None
    randomization_date: date | None
    arm: Arm | None
    first_folfox_date: date | None
    end_of_treatment_date: date | None
    death_date: date | None
    end_of_study_date: date | None
    end_of_study_reason: str
    last_contact_date: date | None
    recurrence_date: date | None
    height_cm: float | None
    postoperative_ctdna_positive: bool

    @property
    def screen_failed(self) -> bool:
        return self.end_of_study_reason == "screen_failure"


def _live(model, patient):
    return model.objects.filter(patient=patient, entered_in_error=False)


def _randomization(patient):
    from trial.randomization import randomization_of

    return randomization_of(patient)


def facts_for(patient: Patient) -> PatientFacts:
    consent = _live(Consent, patient).order_by("-pk").first()
    randomization = _randomization(patient)
    eot = _live(EndOfTreatment, patient).order_by("-pk").first()
    death = _live(Death, patient).order_by("-pk").first()
    eos = _live(EndOfStudy, patient).order_by("-pk").first()
    vitals = _live(VitalSigns, patient).exclude(height=None).order_by("-vsdat", "-pk").first()
    first_folfox = _live(FolfoxCycle, patient).aggregate(first=Min("exstdat"))["first"]
    last_contact = _live(SurvivalFollowUp, patient).aggregate(last=Max("lkadat"))["last"]
    recurrence = _live(Recurrence, patient).aggregate(first=Min("rsdat"))["first"]
    ctdna_positive = (
        _live(CtdnaSample, patient)
        .filter(timepoint=CtdnaTimepoint.POST_SURGERY, result=CtdnaResult.POSITIVE)
        .exists()
    )
    return PatientFacts(
        consent_date=consent.dsstdat if consent else patient.consent_date,
        randomization_date=(
            patient.site.local_date(randomization.randomized_at) if randomization else None
        ),
        arm=Arm(randomization.arm) if randomization else None,
        first_folfox_date=first_folfox,
        end_of_treatment_date=eot.dsstdat if eot else None,
        death_date=death.dthdat if death else None,
        end_of_study_date=eos.dsstdat if eos else None,
        end_of_study_reason=eos.dsdecod if eos else "",
        last_contact_date=last_contact,
        recurrence_date=recurrence,
        height_cm=float(vitals.height) if vitals else None,
        postoperative_ctdna_positive=ctdna_positive,
    )


def anchors_for(patient: Patient, facts: PatientFacts) -> schedule.Anchors:
    return schedule.Anchors(
        consent=facts.consent_date,
        registered=patient.site.local_date(patient.created_at) if patient.created_at else None,
        randomization=facts.randomization_date,
        arm=facts.arm,
        first_folfox=facts.first_folfox_date,
        end_of_treatment=facts.end_of_treatment_date,
        screen_failed=facts.screen_failed,
        death=facts.death_date,
        end_of_study=facts.end_of_study_date,
        recurrence=facts.recurrence_date,
    )


def sync_visits(patient: Patient, facts: PatientFacts, *, acting_user) -> None:
    """Create or move the scheduled visits; visits no longer expected are set aside."""
    plan = {p.code: p for p in schedule.planned_visits(anchors_for(patient, facts))}
    existing = {v.code: v for v in Visit.objects.filter(patient=patient, unscheduled=False)}
    for code, planned in plan.items():
        visit = existing.get(code) or Visit(patient=patient, site=patient.site, code=code)
        wanted = {
            "name": planned.name,
            "phase": planned.phase,
            "sequence": planned.sequence,
            "target_date": planned.target,
            "window_start": planned.window_start,
            "window_end": planned.window_end,
            "expected_forms": list(planned.forms),
            "applicable": True,
        }
        if visit.pk and all(getattr(visit, k) == v for k, v in wanted.items()):
            continue
        for key, value in wanted.items():
            setattr(visit, key, value)
        record_save(visit, acting_user=acting_user, reason="Visit schedule updated")
    for code, visit in existing.items():
        if code not in plan and visit.applicable:
            visit.applicable = False
            record_save(visit, acting_user=acting_user, reason="Visit no longer expected")


def refresh(patient: Patient, *, acting_user) -> PatientFacts:
    """Bring the schedule, consent date and study status in line with the forms."""
    patient.refresh_from_db()
    facts = facts_for(patient)
    if facts.consent_date != patient.consent_date:
        patient.consent_date = facts.consent_date
        record_save(patient, acting_user=acting_user, reason="Consent date from consent form")
    sync_visits(patient, facts, acting_user=acting_user)
    status_facts = StatusFacts(
        screen_failed=facts.screen_failed,
        randomized=facts.randomization_date is not None,
        treatment_started=facts.first_folfox_date is not None,
        treatment_ended=facts.end_of_treatment_date is not None,
        died=facts.death_date is not None,
        study_ended=facts.end_of_study_date is not None,
        end_reason=facts.end_of_study_reason,
    )
    update_status(patient, status_facts, acting_user=acting_user, reason="Status from forms")
    return facts


# Forms whose dates anchor the schedule or decide the study status.
STATE_FORMS = (Consent, FolfoxCycle, EndOfTreatment, Death, EndOfStudy, Recurrence)


def refresh_after(crf, *, acting_user) -> None:
    """Refresh the patient after a form was saved, when that form can change anything."""
    if isinstance(crf, STATE_FORMS):
        refresh(crf.patient, acting_user=acting_user)
