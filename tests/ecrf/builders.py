"""Test data built through the real services: screened, randomized, treated patients."""

import random
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from ecrf import enrolment, services
from ecrf.demo import Clock
from ecrf.demo.entry import enter_screening
from ecrf.models import CheckFinding, FolfoxCycle
from tests.factories import SiteFactory, UserFactory, make_patient, member
from trial.history import record_save, system_user
from trial.models import AllocationStratum, Role
from trial.randomization import generate_allocation_list


def ensure_allocation_list():
    if not AllocationStratum.objects.exists():
        generate_allocation_list(seed=7, per_stratum=40, acting_user=system_user())


def screened(patient, user, *, days_ago=20, eligible=True):
    """Every screening form complete; consent days_ago days before today."""
    consent = timezone.localdate() - timedelta(days=days_ago)
    enter_screening(
        patient, user, Clock(patient.site), random.Random(patient.pk), consent, eligible=eligible
    )
    return patient


def randomized(patient, user, *, days_ago=20):
    ensure_allocation_list()
    screened(patient, user, days_ago=days_ago)
    enrolment.randomize(patient=patient, acting_user=user)
    patient.refresh_from_db()
    return patient


def build_world():
    """Every persona, and randomized patients at S01 and S02 with one FOLFOX cycle each;
    S01's cycle has an open query and an open edit-check finding."""
    s01 = SiteFactory(code="S01", name="Site one")
    s02 = SiteFactory(code="S02", name="Site two")
    world = {
        "s01": s01,
        "s02": s02,
        "inv_s01": member("inv_s01", Role.INVESTIGATOR, s01),
        "coord_s01": member("coord_s01", Role.COORDINATOR, s01),
        "mon_s01": member("mon_s01", Role.MONITOR, s01),
        "dm_s01": member("dm_s01", Role.DATA_MANAGER, s01, is_staff=True),
        "inv_s02": member("inv_s02", Role.INVESTIGATOR, s02),
        "coord_s02": member("coord_s02", Role.COORDINATOR, s02),
        "mon_s02": member("mon_s02", Role.MONITOR, s02),
        "datamanager": member("datamanager", Role.DATA_MANAGER, None, is_staff=True),
        "admin_user": UserFactory(username="admin", is_staff=True, is_superuser=True),
        "pat_s01": make_patient(s01),
        "pat_s02": make_patient(s02),
    }
    world.update(enrolled_world(**world))
    world.update(queried_world(**world))
    return world


def queried_world(*, folfox_s01, mon_s01, inv_s01, **_):
    """An open query from S01's monitor and an open finding on S01's FOLFOX cycle."""
    query = services.raise_query(
        crf=folfox_s01, field_name="weight", text="Weight on the chart?", acting_user=mon_s01
    )
    finding = record_save(
        CheckFinding(
            patient=folfox_s01.patient,
            site=folfox_s01.site,
            form_type=ContentType.objects.get_for_model(FolfoxCycle),
            form_id=folfox_s01.pk,
            field_name="weight",
            check_id="TEST01",
            message="Unusual weight",
        ),
        acting_user=inv_s01,
        reason="Edit check fired",
    )
    return {"query_s01": query, "finding_s01": finding}


def enrolled_world(*, pat_s01, pat_s02, inv_s01, inv_s02, **_):
    """Randomized patients at S01 and S02, each with one FOLFOX cycle form."""
    result = {}
    for key, patient, user in (("s01", pat_s01, inv_s01), ("s02", pat_s02, inv_s02)):
        randomized(patient, user)
        cycle = services.crf_create(
            model=FolfoxCycle,
            patient=patient,
            acting_user=user,
            data={"cycle": 1, "exstdat": timezone.localdate(), "weight": 70, "dose_level": 0},
        )
        result[f"folfox_{key}"] = cycle
    return result
