"""The demo study: patients at both sites in every state, and a monitor's visit to each site."""

import random
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from trial import protocol
from trial.demo import DEMO_SITES, create_demo_accounts
from trial.models import AllocationStratum, Patient, Sex, Site
from trial.protocol import Arm
from trial.randomization import arm_of, generate_allocation_list

from .. import enrolment, services
from ..models import Consent, Death, Demographics, Eligibility, EndOfStudy, FolfoxCycle, VitalSigns
from .clock import Clock, at_site_time
from .entry import (
    enter_capecitabine,
    enter_end_of_treatment,
    enter_folfox,
    enter_follow_up,
    enter_form,
    enter_screening,
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
            enter_form(
                Consent, patient, user, {"dsstdat": consent, "icversion": "2.1"}, visit_code="SCR"
            )
        return patient
    enter_screening(patient, user, clock, rng, consent, eligible=state != "screen_failed")
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
    today = site.local_date()
    if state == "on_treatment":
        cycles = min(protocol.FOLFOX.cycles, (today - first).days // 15 + 1)
        enter_folfox(patient, user, clock, rng, first, cycles)
        return patient
    if state == "withdrawn":
        day = enter_folfox(patient, user, clock, rng, first, 3)
        enter_end_of_treatment(patient, user, clock, day, "patient_decision")
        enter_follow_up(patient, user, clock, rng, day + timedelta(days=60))
        with clock.at(day + timedelta(days=70)):
            enter_form(
                EndOfStudy,
                patient,
                user,
                {"dsstdat": day + timedelta(days=70), "dsdecod": "withdrew_consent"},
            )
        return patient
    day = enter_folfox(patient, user, clock, rng, first, protocol.FOLFOX.cycles)
    if arm == Arm.MAINTENANCE and state != "died":
        day = enter_capecitabine(patient, user, clock, day, protocol.CAPECITABINE.cycles)
    enter_end_of_treatment(patient, user, clock, day, "completed")
    if state == "follow_up":
        enter_follow_up(patient, user, clock, rng, today)
    elif state == "died":
        recurrence = randomized + timedelta(days=300)
        death = min(recurrence + timedelta(days=150), today - timedelta(days=5))
        enter_follow_up(
            patient, user, clock, rng, death - timedelta(days=1), recurrence_on=recurrence
        )
        with clock.at(death + timedelta(days=2)):
            enter_form(Death, patient, user, {"dthdat": death, "cause": "disease"})
            enter_form(EndOfStudy, patient, user, {"dsstdat": death, "dsdecod": "death"})
    elif state == "completed":
        enter_follow_up(patient, user, clock, rng, today)
        end = min(randomized + timedelta(days=round(protocol.FOLLOW_UP_YEARS * 365.25)), today)
        with clock.at(end):
            enter_form(EndOfStudy, patient, user, {"dsstdat": end, "dsdecod": "completed"})
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
    zone = ZoneInfo(DEMO_SITES[0][3])  # the demo sites' zone
    opened = timezone.localdate(timezone=zone) - timedelta(
        days=max(days for _, days in SCENARIOS) + 30
    )
    with transaction.atomic(), at_site_time(opened, zone, time(9, 0)):
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
    created = 0
    for code, site in sites.items():
        today = site.local_date()
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
