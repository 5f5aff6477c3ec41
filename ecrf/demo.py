"""The demo study: patients at both sites in every state, entered through the services.

Each step is entered at its clinical date (the clock is moved there), so the audit trail
reads like a real study's.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import time_machine
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from trial import protocol
from trial.demo import create_demo_accounts
from trial.models import AllocationStratum, Patient, Sex, Site
from trial.protocol import Arm
from trial.randomization import arm_of, generate_allocation_list

from . import ctcae, dosing, enrolment, services
from .models import (
    AdverseEvent,
    BaselineLabs,
    CapecitabineCycle,
    CeaTest,
    ConcomitantMedication,
    Consent,
    CtdnaSample,
    Death,
    Demographics,
    Eligibility,
    EndOfStudy,
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

DEMO_SEED = 20260401
# (state, days since consent, arm-independent); one of each at both sites
SCENARIOS = (
    ("screening", 5),
    ("screen_failed", 40),
    ("randomized", 12),
    ("on_treatment", 110),
    ("follow_up", 420),
    ("withdrawn", 200),
    ("died", 520),
    ("completed", 1900),
)


class Clock:
    """Enters each step at a given date, 10:00 in the site's time zone."""

    def __init__(self, site: Site):
        self.tz = timezone.get_fixed_timezone(480) if site.time_zone else timezone.utc

    def at(self, day: date):
        return time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=self.tz), tick=False)


def _create(model, patient, user, data, *, visit_code=None, complete=True):
    visit = None
    if visit_code:
        visit = Visit.objects.filter(patient=patient, code=visit_code).first()
    return services.crf_create(
        model=model, patient=patient, visit=visit, data=data, acting_user=user, complete=complete
    )


def _screening(patient, user, clock, rng, consent: date, *, eligible=True):
    with clock.at(consent):
        _create(Consent, patient, user, {"dsstdat": consent, "icversion": "2.1"}, visit_code="SCR")
    surgery = consent - timedelta(days=rng.randint(14, 35))
    with clock.at(consent + timedelta(days=1)):
        _create(
            Demographics,
            patient,
            user,
            {"sex": patient.sex, "brthyy": patient.birth_year, "ethnic": "han"},
            visit_code="SCR",
        )
        _create(
            MedicalHistory,
            patient,
            user,
            {"mhterm": "Hypertension", "mhstdat": consent - timedelta(days=2000), "mhongo": True},
            visit_code="SCR",
        )
        _create(
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
        _create(
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
        _create(
            PerformanceStatus,
            patient,
            user,
            {"qsdat": consent, "ecog": rng.choice([0, 0, 1]), "asa": rng.choice([1, 2])},
            visit_code="SCR",
        )
        _create(
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
        _create(
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
        _create(
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
        _create(
            Eligibility,
            patient,
            user,
            {"iedat": consent + timedelta(days=1), **answers},
            visit_code="SCR",
        )


def _height(patient) -> float:
    return float(VitalSigns.objects.filter(patient=patient).latest("pk").height)


def _folfox(patient, user, clock, rng, first: date, cycles: int) -> date:
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
            _create(FolfoxCycle, patient, user, data, visit_code=f"C{n:02d}")
            if n == 3:
                term = ctcae.search_terms("Neutrophil count decreased", limit=1)[0]
                _create(
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
                _create(
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


def _capecitabine(patient, user, clock, start: date, cycles: int) -> date:
    day = start
    height = _height(patient)
    for n in range(1, cycles + 1):
        weight = Decimal("64.0")
        plan = dosing.capecitabine_dose(dosing.body_surface_area(height, float(weight)), 0)
        dispensed = dosing.expected_tablets(plan)
        with clock.at(day + timedelta(days=14)):  # entered when the tablets come back
            _create(
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


def _follow_up(patient, user, clock, rng, until: date, *, recurrence_on: date | None = None):
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
                _create(
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
                _create(
                    CeaTest,
                    patient,
                    user,
                    {"lbdat": day, "cea": Decimal(f"{cea:.1f}")},
                    visit_code=visit.code,
                )
                if recurred:
                    _create(
                        Recurrence,
                        patient,
                        user,
                        {"rsdat": day, "confirmed_by": "imaging", "site_liver": True},
                    )
                    recurred_on = day
            _create(
                SurvivalFollowUp,
                patient,
                user,
                {"contact_date": day, "vital_status": "alive", "lkadat": day},
                visit_code=Visit.objects.get(pk=visit.pk).code,
            )
    return recurred_on


def _end_of_treatment(patient, user, clock, day: date, reason: str):
    with clock.at(day):
        _create(
            EndOfTreatment, patient, user, {"dsstdat": day, "dsdecod": reason}, visit_code="EOT"
        )


def build_patient(*, site: Site, state: str, consent: date, user, index: int) -> Patient:
    """One demo patient brought to a study state through the same services as the pages."""
    rng = random.Random(f"{DEMO_SEED}-{site.code}-{index}")
    clock = Clock(site)
    with clock.at(consent):
        patient = enrolment.register_patient(
            site=site,
            sex=rng.choice([Sex.MALE, Sex.FEMALE]),
            birth_year=consent.year - rng.randint(38, 72),
            screening_number=f"SCR-{site.code}-{index:03d}",
            acting_user=user,
        )
    if state == "screening":
        with clock.at(consent):
            _create(
                Consent, patient, user, {"dsstdat": consent, "icversion": "2.1"}, visit_code="SCR"
            )
        return patient
    _screening(patient, user, clock, rng, consent, eligible=state != "screen_failed")
    if state == "screen_failed":
        with clock.at(consent + timedelta(days=3)):
            enrolment.record_screen_failure(
                patient=patient,
                acting_user=user,
                failure_date=consent + timedelta(days=3),
                reason="History of other malignancy (EX02)",
            )
        return patient
    randomized = consent + timedelta(days=4)
    with clock.at(randomized):
        enrolment.randomize(patient=patient, acting_user=user)
    if state == "randomized":
        return patient
    arm = arm_of(patient)
    first = randomized + timedelta(days=10)
    today = timezone.localdate()
    if state == "on_treatment":
        cycles = min(protocol.FOLFOX.cycles, (today - first).days // 15 + 1)
        _folfox(patient, user, clock, rng, first, cycles)
        return patient
    if state == "withdrawn":
        day = _folfox(patient, user, clock, rng, first, 3)
        _end_of_treatment(patient, user, clock, day, "patient_decision")
        _follow_up(patient, user, clock, rng, day + timedelta(days=60))
        with clock.at(day + timedelta(days=70)):
            _create(
                EndOfStudy,
                patient,
                user,
                {"dsstdat": day + timedelta(days=70), "dsdecod": "withdrew_consent"},
            )
        return patient
    day = _folfox(patient, user, clock, rng, first, protocol.FOLFOX.cycles)
    if arm == Arm.MAINTENANCE and state != "died":
        day = _capecitabine(patient, user, clock, day, protocol.CAPECITABINE.cycles)
    _end_of_treatment(patient, user, clock, day, "completed")
    if state == "follow_up":
        _follow_up(patient, user, clock, rng, today)
    elif state == "died":
        recurrence = randomized + timedelta(days=300)
        death = min(recurrence + timedelta(days=150), today - timedelta(days=5))
        _follow_up(patient, user, clock, rng, death - timedelta(days=1), recurrence_on=recurrence)
        with clock.at(death + timedelta(days=2)):
            _create(Death, patient, user, {"dthdat": death, "cause": "disease"})
            _create(EndOfStudy, patient, user, {"dsstdat": death, "dsdecod": "death"})
    elif state == "completed":
        _follow_up(patient, user, clock, rng, today)
        end = min(randomized + timedelta(days=round(protocol.FOLLOW_UP_YEARS * 365.25)), today)
        with clock.at(end):
            _create(EndOfStudy, patient, user, {"dsstdat": end, "dsdecod": "completed"})
    return patient


SCREENING_FORMS = (Consent, Demographics, Eligibility, VitalSigns)


def _monitoring(site: Site, *, monitor, investigator, today: date) -> None:
    """A monitor's visit to the site: screening forms source-verified, one query waiting for
    the site, one answered and waiting for the monitor, one closed."""
    clock = Clock(site)
    patients = {p.screening_number.rsplit("-", 1)[1]: p for p in Patient.objects.filter(site=site)}
    states = {f"{i:03d}": state for i, (state, _days) in enumerate(SCENARIOS, start=1)}
    by_state = {state: patients[n] for n, state in states.items() if n in patients}

    def when(day: date):
        return clock.at(min(day, today))

    treated = by_state["on_treatment"]
    cycle = FolfoxCycle.objects.filter(patient=treated, cycle=2).first()
    if cycle is not None:
        with when(cycle.exstdat + timedelta(days=7)):
            services.raise_query(
                crf=cycle,
                field_name="oxa_exdose",
                text="The chemotherapy order in the source gives a different oxaliplatin dose "
                "for cycle 2; please check the administered dose.",
                acting_user=monitor,
            )
    followed = by_state["follow_up"]
    vitals = VitalSigns.objects.filter(patient=followed).order_by("pk").first()
    consent_day = followed.consent_date
    for model in SCREENING_FORMS:
        form = model.objects.filter(patient=followed).order_by("pk").first()
        if form is not None and form.status == "complete":
            with when(consent_day + timedelta(days=30)):
                services.crf_verify(crf=form, acting_user=monitor)
    if vitals is not None:
        with when(consent_day + timedelta(days=30)):
            query = services.raise_query(
                crf=vitals,
                field_name="weight",
                text="The nursing record of the screening day gives another weight; which is "
                "right?",
                acting_user=monitor,
            )
        with when(consent_day + timedelta(days=33)):
            services.answer_query(
                query=query,
                answer="Weighed again on the ward scale that day; the value entered is right.",
                acting_user=investigator,
            )
    finished = by_state["completed"]
    consent = Consent.objects.filter(patient=finished).first()
    if consent is not None:
        with when(finished.consent_date + timedelta(days=45)):
            query = services.raise_query(
                crf=consent,
                field_name="icversion",
                text="Please confirm the version of the consent form the patient signed.",
                acting_user=monitor,
            )
        with when(finished.consent_date + timedelta(days=47)):
            services.answer_query(
                query=query, answer="Version 2.1, as filed.", acting_user=investigator
            )
        with when(finished.consent_date + timedelta(days=50)):
            services.close_query(query=query, acting_user=monitor)


def _ensure_allocation_list(acting_user):
    if not AllocationStratum.objects.exists():
        generate_allocation_list(
            seed=DEMO_SEED, per_stratum=40, acting_user=acting_user, reason="Demo allocation list"
        )


def seed_demo_study(*, acting_user) -> str:
    # Sites, accounts and the allocation list exist before the first patient's consent, as
    # they would: the trail then shows each person's role and the list's load in order.
    opened = timezone.localdate() - timedelta(days=max(days for _, days in SCENARIOS) + 30)
    with (
        transaction.atomic(),
        time_machine.travel(
            datetime.combine(opened, time(9, 0), tzinfo=timezone.get_fixed_timezone(480)),
            tick=False,
        ),
    ):
        sites = create_demo_accounts(acting_user=acting_user)
        _ensure_allocation_list(acting_user)
    investigators = {
        "S01": get_user_model().objects.get(username="investigator1"),
        "S02": get_user_model().objects.get(username="investigator2"),
    }
    monitors = {
        "S01": get_user_model().objects.get(username="monitor1"),
        "S02": get_user_model().objects.get(username="monitor2"),
    }
    today = timezone.localdate()
    created = 0
    for code, site in sites.items():
        new_site = not Patient.objects.filter(site=site).exists()
        for index, (state, days_ago) in enumerate(SCENARIOS, start=1):
            if Patient.objects.filter(
                site=site, screening_number=f"SCR-{code}-{index:03d}"
            ).exists():
                continue
            build_patient(
                site=site,
                state=state,
                consent=today - timedelta(days=days_ago),
                user=investigators[code],
                index=index,
            )
            created += 1
        if new_site:
            _monitoring(site, monitor=monitors[code], investigator=investigators[code], today=today)
    return f"Demo study ready: {len(sites)} sites, {created} new patients."
