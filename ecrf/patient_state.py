"""What a patient's recorded forms say: anchor dates, status facts, the visit schedule.

The facts are read once per save of a form: the edit checks read them before the save, and
the refresh after it reads again only what the saved form feeds (facts_after_save).
"""

from dataclasses import dataclass, replace
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
    return model.objects.live().filter(patient=patient)


def _randomization(patient) -> dict:
    from trial.randomization import randomization_of

    randomization = randomization_of(patient)
    return {
        "randomization_date": (
            patient.site.local_date(randomization.randomized_at) if randomization else None
        ),
        "arm": Arm(randomization.arm) if randomization else None,
    }


def _consent(patient) -> dict:
    consent = _live(Consent, patient).order_by("-pk").first()
    return {"consent_date": consent.dsstdat if consent else patient.consent_date}


def _first_folfox(patient) -> dict:
    return {"first_folfox_date": _live(FolfoxCycle, patient).aggregate(d=Min("exstdat"))["d"]}


def _end_of_treatment(patient) -> dict:
    eot = _live(EndOfTreatment, patient).order_by("-pk").first()
    return {"end_of_treatment_date": eot.dsstdat if eot else None}


def _death(patient) -> dict:
    death = _live(Death, patient).order_by("-pk").first()
    return {"death_date": death.dthdat if death else None}


def _end_of_study(patient) -> dict:
    eos = _live(EndOfStudy, patient).order_by("-pk").first()
    return {
        "end_of_study_date": eos.dsstdat if eos else None,
        "end_of_study_reason": eos.dsdecod if eos else "",
    }


def _last_contact(patient) -> dict:
    return {"last_contact_date": _live(SurvivalFollowUp, patient).aggregate(d=Max("lkadat"))["d"]}


def _recurrence(patient) -> dict:
    return {"recurrence_date": _live(Recurrence, patient).aggregate(d=Min("rsdat"))["d"]}


def _height(patient) -> dict:
    vitals = _live(VitalSigns, patient).exclude(height=None).order_by("-vsdat", "-pk").first()
    return {"height_cm": float(vitals.height) if vitals else None}


def _ctdna(patient) -> dict:
    positive = _live(CtdnaSample, patient).filter(
        timepoint=CtdnaTimepoint.POST_SURGERY, result=CtdnaResult.POSITIVE
    )
    return {"postoperative_ctdna_positive": positive.exists()}


# The facts each form feeds, read from the patient's live forms of that model.
READ_FROM = {
    Consent: _consent,
    FolfoxCycle: _first_folfox,
    EndOfTreatment: _end_of_treatment,
    Death: _death,
    EndOfStudy: _end_of_study,
    SurvivalFollowUp: _last_contact,
    Recurrence: _recurrence,
    VitalSigns: _height,
    CtdnaSample: _ctdna,
}


def facts_for(patient: Patient) -> PatientFacts:
    values = _randomization(patient)
    for read in READ_FROM.values():
        values |= read(patient)
    return PatientFacts(**values)


def facts_after_save(facts: PatientFacts, crf) -> PatientFacts:
    """The facts once the form is saved, from those read before: what the form feeds is
    read again, the rest is kept."""
    read = READ_FROM.get(type(crf))
    return replace(facts, **read(crf.patient)) if read else facts


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


def refresh(patient: Patient, *, acting_user, facts: PatientFacts | None = None) -> PatientFacts:
    """Bring the schedule, consent date and study status in line with the forms (with the
    facts when the caller has them, else read here)."""
    patient.refresh_from_db()
    if facts is None:
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


def refresh_after(crf, *, acting_user, facts_before: PatientFacts | None = None) -> None:
    """Refresh the patient after a form was saved, when that form can change anything;
    facts_before, read for the save's edit checks, spares reading them all again."""
    if isinstance(crf, STATE_FORMS):
        facts = facts_after_save(facts_before, crf) if facts_before is not None else None
        refresh(crf.patient, acting_user=acting_user, facts=facts)
