"""The demo patients' forms, entered through the same services as the pages, each step at its
clinical date on the demo clock."""

from datetime import date, timedelta
from decimal import Decimal

from trial import protocol

from .. import ctcae, dosing, services
from ..models import (
    AdverseEvent,
    BaselineLabs,
    CapecitabineCycle,
    CeaTest,
    ConcomitantMedication,
    Consent,
    CtdnaSample,
    Demographics,
    Eligibility,
    EndOfTreatment,
    FolfoxCycle,
    LiverResection,
    MedicalHistory,
    PerformanceStatus,
    PrimaryTumour,
    Recurrence,
    SurvivalFollowUp,
    TumourAssessment,
    Visit,
    VitalSigns,
)


def enter_form(model, patient, user, data, *, visit_code=None, complete=True):
    visit = None
    if visit_code:
        visit = Visit.objects.filter(patient=patient, code=visit_code).first()
    return services.crf_create(
        model=model, patient=patient, visit=visit, data=data, acting_user=user, complete=complete
    )


def enter_screening(patient, user, clock, rng, consent: date, *, eligible=True):
    with clock.at(consent):
        enter_form(
            Consent, patient, user, {"dsstdat": consent, "icversion": "2.1"}, visit_code="SCR"
        )
    surgery = consent - timedelta(days=rng.randint(14, 35))
    with clock.at(consent + timedelta(days=1)):
        enter_form(
            Demographics,
            patient,
            user,
            {"sex": patient.sex, "brthyy": patient.birth_year, "ethnic": "han"},
            visit_code="SCR",
        )
        enter_form(
            MedicalHistory,
            patient,
            user,
            {"mhterm": "Hypertension", "mhstdat": consent - timedelta(days=2000), "mhongo": True},
            visit_code="SCR",
        )
        enter_form(
            PrimaryTumour,
            patient,
            user,
            {
                "diagdat": surgery - timedelta(days=rng.randint(60, 400)),
                "location": rng.choice(["sigmoid", "rectum", "ascending", "descending"]),
                "sidedness": "left",
                "histology": "adenocarcinoma",
                "grade": "G2",
                "tnm_t": "T3",
                "tnm_n": rng.choice(["N0", "N1a", "N2a"]),
                "tnm_m": "M1a",
                "ras": rng.choice(["wild_type", "mutant"]),
                "braf": "wild_type",
                "msi": "MSS",
            },
            visit_code="SCR",
        )
        enter_form(
            LiverResection,
            patient,
            user,
            {
                "timing": rng.choice(["synchronous", "metachronous"]),
                "lesion_count": rng.randint(1, 4),
                "largest_lesion_mm": rng.randint(12, 60),
                "prstdat": surgery,
                "margin": "R0",
                "ablation": rng.random() < 0.2,
                "extrahepatic": False,
            },
            visit_code="SCR",
        )
        enter_form(
            PerformanceStatus,
            patient,
            user,
            {"qsdat": consent, "ecog": rng.choice([0, 0, 1]), "asa": rng.choice([1, 2])},
            visit_code="SCR",
        )
        enter_form(
            BaselineLabs,
            patient,
            user,
            {
                "lbdat": consent,
                "hgb": Decimal(rng.randint(115, 150)),
                "anc": Decimal("3.4"),
                "plt": Decimal(rng.randint(160, 320)),
                "alt": Decimal(rng.randint(12, 40)),
                "ast": Decimal(rng.randint(14, 38)),
                "tbil": Decimal("11.2"),
                "creat": Decimal(rng.randint(55, 95)),
                "cea": Decimal(str(round(rng.uniform(1.2, 9.0), 1))),
                "ca199": Decimal("18.0"),
            },
            visit_code="SCR",
        )
        enter_form(
            VitalSigns,
            patient,
            user,
            {
                "vsdat": consent,
                "height": Decimal(rng.randint(155, 180)),
                "weight": Decimal(rng.randint(52, 82)),
            },
            visit_code="SCR",
        )
        enter_form(
            CtdnaSample,
            patient,
            user,
            {
                "bsdat": consent,
                "timepoint": "post_surgery",
                "bsrefid": f"CT-{patient.subject_id}",
                "assay": "Tumour-informed NGS panel",
                "laboratory": "Central molecular laboratory",
                "result": "positive",
                "quant_value": Decimal(str(round(rng.uniform(0.05, 4), 3))),
                "quant_unit": "MTM/mL",
                "for_randomization": True,
            },
            visit_code="SCR",
        )
        answers = {c: "Y" for c in Eligibility.INCLUSION} | {c: "N" for c in Eligibility.EXCLUSION}
        if not eligible:
            answers["ex02"] = "Y"
        enter_form(
            Eligibility,
            patient,
            user,
            {"iedat": consent + timedelta(days=1), **answers},
            visit_code="SCR",
        )


def _height(patient) -> float:
    return float(VitalSigns.objects.filter(patient=patient).latest("pk").height)


def enter_folfox(patient, user, clock, rng, first: date, cycles: int) -> date:
    day = first
    height = _height(patient)
    for n in range(1, cycles + 1):
        weight = Decimal(
            str(
                round(
                    float(VitalSigns.objects.filter(patient=patient).latest("pk").weight) - n * 0.2,
                    1,
                )
            )
        )
        level = 0 if n < 7 else rng.choice([0, -1])
        bsa = dosing.body_surface_area(height, float(weight))
        planned = dosing.planned_folfox_doses(bsa, level)
        data = {
            "cycle": n,
            "exstdat": day,
            "weight": weight,
            "dose_level": level,
            "reduced": level < 0,
            "reduction_reason": "neuropathy" if level < 0 else "",
        }
        for code, prefix in (
            ("OXALIPLATIN", "oxa"),
            ("LEUCOVORIN", "lv"),
            ("FU_BOLUS", "fub"),
            ("FU_INFUSION", "fui"),
        ):
            data[f"{prefix}_exdose"] = Decimal(planned[code])
        with clock.at(day):
            enter_form(FolfoxCycle, patient, user, data, visit_code=f"C{n:02d}")
            if n == 3:
                term = ctcae.search_terms("Neutrophil count decreased", limit=1)[0]
                enter_form(
                    AdverseEvent,
                    patient,
                    user,
                    {
                        "aeptcd": term.meddra_code,
                        "aetoxgr": 2,
                        "aestdat": day - timedelta(days=4),
                        "aeendat": day - timedelta(days=1),
                        "aeongo": False,
                        "aeser": False,
                        "aerel_oxa": "possible",
                        "aerel_fu": "probable",
                        "aerel_cape": "na",
                        "aeacn_oxa": "none",
                        "aeacn_fu": "none",
                        "aeacn_cape": "na",
                        "aeout": "recovered",
                    },
                )
                enter_form(
                    ConcomitantMedication,
                    patient,
                    user,
                    {
                        "cmtrt": "Ondansetron",
                        "cmindc": "Nausea prophylaxis",
                        "cmdstxt": "8 mg",
                        "cmroute": "oral",
                        "cmstdat": first,
                        "cmongo": True,
                    },
                )
        delay = 7 if n == 5 else 0
        day += timedelta(days=protocol.FOLFOX.cycle_days + delay)
    return day


def enter_capecitabine(patient, user, clock, start: date, cycles: int) -> date:
    day = start
    height = _height(patient)
    for n in range(1, cycles + 1):
        weight = Decimal("64.0")
        plan = dosing.capecitabine_dose(dosing.body_surface_area(height, float(weight)), 0)
        dispensed = dosing.expected_tablets(plan)
        with clock.at(day + timedelta(days=14)):  # entered when the tablets come back
            enter_form(
                CapecitabineCycle,
                patient,
                user,
                {
                    "cycle": n,
                    "exstdat": day,
                    "exendat": day + timedelta(days=13),
                    "weight": weight,
                    "dose_level": 0,
                    "daily_dose": plan.daily_dose_mg,
                    "tablets_500": plan.tablets_500,
                    "tablets_150": plan.tablets_150,
                    "tablets_dispensed": dispensed,
                    "tablets_returned": 2 if n % 3 == 0 else 0,
                    "doses_missed": 1 if n % 3 == 0 else 0,
                },
                visit_code=f"M{n:02d}",
            )
        day += timedelta(days=protocol.CAPECITABINE.cycle_days)
    return day


def enter_follow_up(patient, user, clock, rng, until: date, *, recurrence_on: date | None = None):
    """Follow-up visits up to a date; after a recurrence only survival is followed."""
    recurred_on = None
    visits = Visit.objects.filter(patient=patient, phase="follow_up").order_by("sequence")
    for visit in list(visits):
        if visit.target_date > until:
            break
        day = visit.target_date
        with clock.at(day):
            if recurred_on is None:
                recurred = bool(recurrence_on and day >= recurrence_on)
                enter_form(
                    TumourAssessment,
                    patient,
                    user,
                    {
                        "trdat": day,
                        "trmethod": "CT",
                        "new_lesions": recurred,
                        "recurrence": recurred,
                        "site_liver": recurred,
                    },
                    visit_code=visit.code,
                )
                cea = rng.uniform(1, 4) * (8 if recurred else 1)
                enter_form(
                    CeaTest,
                    patient,
                    user,
                    {"lbdat": day, "cea": Decimal(f"{cea:.1f}")},
                    visit_code=visit.code,
                )
                if recurred:
                    enter_form(
                        Recurrence,
                        patient,
                        user,
                        {"rsdat": day, "confirmed_by": "imaging", "site_liver": True},
                    )
                    recurred_on = day
            enter_form(
                SurvivalFollowUp,
                patient,
                user,
                {"contact_date": day, "vital_status": "alive", "lkadat": day},
                visit_code=Visit.objects.get(pk=visit.pk).code,
            )
    return recurred_on


def enter_end_of_treatment(patient, user, clock, day: date, reason: str):
    with clock.at(day):
        enter_form(
            EndOfTreatment, patient, user, {"dsstdat": day, "dsdecod": reason}, visit_code="EOT"
        )
