"""Valid entries for every CRF, as a browser would post them, and the patients they fit."""

from datetime import date, timedelta
from decimal import Decimal

import time_machine
from django.utils import timezone

from ecrf import ctcae, derivations, dosing, patient_state, services
from ecrf.models import Consent, Eligibility, FolfoxCycle
from tests.ecrf.builders import randomized
from tests.factories import make_patient
from trial.protocol import Arm
from trial.randomization import arm_of

SCREENING = (
    "demographics",
    "eligibility",
    "medical_history",
    "primary_tumour",
    "liver_resection",
    "performance_status",
    "baseline_labs",
    "vital_signs",
    "ctdna",
)


def today() -> date:
    return timezone.localdate()


def as_post(data: dict) -> dict:
    """Values as the browser sends them: ticked boxes as "on", unticked ones left out."""
    posted = {}
    for name, value in data.items():
        if value is True:
            posted[name] = "on"
        elif value is False or value is None:
            continue
        elif isinstance(value, date):
            posted[name] = value.isoformat()
        else:
            posted[name] = str(value)
    return posted


def with_consent(patient, user, *, days_ago=10):
    services.crf_create(
        model=Consent,
        patient=patient,
        acting_user=user,
        complete=True,
        data={"dsstdat": today() - timedelta(days=days_ago), "icversion": "2.1"},
    )
    patient.refresh_from_db()
    return patient


def folfox_doses(patient, weight) -> dict:
    bsa = derivations.bsa_or_none(patient_state.facts_for(patient).height_cm, weight)
    planned = derivations.folfox_planned(bsa, 0)
    return {name.replace("_planned", "_exdose"): value for name, value in planned.items()}


def maintenance_patient(site, user, *, days_ago=200):
    """A patient randomized to capecitabine maintenance days_ago days ago, cycle 1 given then."""
    start = timezone.now() - timedelta(days=days_ago)
    for _attempt in range(12):
        with time_machine.travel(start, tick=False):
            patient = randomized(make_patient(site), user)
            if arm_of(patient) != Arm.MAINTENANCE:
                continue
            services.crf_create(
                model=FolfoxCycle,
                patient=patient,
                acting_user=user,
                complete=True,
                data={
                    "cycle": 1,
                    "exstdat": timezone.localdate(),
                    "weight": Decimal("64.0"),
                    "dose_level": 0,
                    **folfox_doses(patient, Decimal("64.0")),
                },
            )
            return patient
    raise AssertionError("no patient was allocated to maintenance")


def valid_entry(code: str, patient) -> dict:
    """One complete, valid entry of the form for a patient in the right state."""
    now = today()
    consent = patient.consent_date or now
    neutrophils = ctcae.search_terms("Neutrophil count decreased", limit=1)[0].meddra_code
    entries = {
        "consent": {"dsstdat": now - timedelta(days=5), "icversion": "2.1"},
        "demographics": {"sex": patient.sex, "brthyy": patient.birth_year, "ethnic": "han"},
        "eligibility": {
            "iedat": consent + timedelta(days=1),
            **{c: "Y" for c in Eligibility.INCLUSION},
            **{c: "N" for c in Eligibility.EXCLUSION},
        },
        "medical_history": {
            "mhterm": "Hypertension",
            "mhstdat": consent - timedelta(days=2000),
            "mhongo": True,
        },
        "primary_tumour": {
            "diagdat": consent - timedelta(days=120),
            "location": "sigmoid",
            "sidedness": "left",
            "histology": "adenocarcinoma",
            "grade": "G2",
            "tnm_t": "T3",
            "tnm_n": "N1a",
            "tnm_m": "M1a",
            "ras": "wild_type",
            "braf": "wild_type",
            "msi": "MSS",
        },
        "liver_resection": {
            "timing": "synchronous",
            "lesion_count": 2,
            "largest_lesion_mm": 30,
            "prstdat": consent - timedelta(days=20),
            "margin": "R0",
        },
        "performance_status": {"qsdat": consent, "ecog": 0, "asa": 1},
        "baseline_labs": {
            "lbdat": consent,
            "hgb": "131",
            "anc": "3.4",
            "plt": "220",
            "alt": "22",
            "ast": "25",
            "tbil": "11.2",
            "creat": "70",
            "cea": "3.1",
            "ca199": "18",
        },
        "vital_signs": {"vsdat": consent, "height": "170", "weight": "70"},
        "ctdna": {
            "bsdat": consent,
            "timepoint": "post_surgery",
            "bsrefid": "CT-1",
            "assay": "Tumour-informed NGS panel",
            "laboratory": "Central molecular laboratory",
            "result": "positive",
            "quant_value": "0.52",
            "quant_unit": "MTM/mL",
            "for_randomization": True,
        },
        "folfox_cycle": {
            "cycle": 1,
            "exstdat": now,
            "weight": "70.0",
            "dose_level": 0,
            **(folfox_doses(patient, Decimal("70.0")) if code == "folfox_cycle" else {}),
        },
        "end_of_treatment": {"dsstdat": now, "dsdecod": "completed"},
        "adverse_event": {
            "aeptcd": neutrophils,
            "aetoxgr": 2,
            "aestdat": now - timedelta(days=1),
            "aeongo": True,
            "aerel_oxa": "possible",
            "aerel_fu": "probable",
            "aerel_cape": "na",
            "aeacn_oxa": "none",
            "aeacn_fu": "none",
            "aeacn_cape": "na",
            "aeout": "recovering",
        },
        "concomitant_medication": {
            "cmtrt": "Ondansetron",
            "cmindc": "Nausea prophylaxis",
            "cmdstxt": "8 mg",
            "cmroute": "oral",
            "cmstdat": now,
            "cmongo": True,
        },
        "tumour_assessment": {"trdat": now, "trmethod": "CT"},
        "cea": {"lbdat": now, "cea": "2.5"},
        "recurrence": {"rsdat": now, "confirmed_by": "imaging", "site_liver": True},
        "subsequent_therapy": {"therapy_type": "chemotherapy", "cmtrt": "FOLFIRI", "cmstdat": now},
        "survival": {"contact_date": now, "vital_status": "alive", "lkadat": now},
        "death": {"dthdat": now, "cause": "disease"},
        "protocol_deviation": {
            "dvstdat": now,
            "dvcat": "visit_window",
            "severity": "minor",
            "dvterm": "Follow-up visit two days outside its window",
        },
        "end_of_study": {"dsstdat": now, "dsdecod": "withdrew_consent"},
    }
    if code == "capecitabine_cycle":
        first = patient_state.facts_for(patient).first_folfox_date
        start = first + timedelta(days=168)
        bsa = derivations.bsa_or_none(patient_state.facts_for(patient).height_cm, Decimal("64"))
        plan = dosing.capecitabine_dose(float(bsa), 0)
        return {
            "cycle": 1,
            "exstdat": start,
            "exendat": start + timedelta(days=13),
            "weight": "64.0",
            "dose_level": 0,
            "daily_dose": plan.daily_dose_mg,
            "tablets_500": plan.tablets_500,
            "tablets_150": plan.tablets_150,
            "tablets_dispensed": dosing.expected_tablets(plan),
            "tablets_returned": 0,
            "doses_missed": 0,
        }
    return entries[code]


def patient_for(code: str, site, user):
    """A patient at the point of the study where the form is entered."""
    if code == "consent":
        return make_patient(site)
    if code in SCREENING:
        return with_consent(make_patient(site), user)
    if code == "capecitabine_cycle":
        return maintenance_patient(site, user)
    return randomized(make_patient(site), user)
