"""Expected, missing and overdue visits are computed from the data, per arm and state."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ecrf import selectors
from ecrf.demo import build_patient
from ecrf.models import Visit
from tests.ecrf.builders import ensure_allocation_list
from tests.factories import make_patient
from trial.models import Patient
from trial.protocol import Arm
from trial.randomization import arm_of

TODAY = timezone.localdate()


def visits(patient, **filters):
    return selectors.with_visit_state(
        Visit.objects.filter(patient=patient, **filters), today=TODAY
    ).order_by("sequence")


def demo_patient(site, user, state, days_ago, index):
    ensure_allocation_list()
    return build_patient(
        site=site, state=state, consent=TODAY - timedelta(days=days_ago), user=user, index=index
    )


def patient_in_arm(site, user, state, days_ago, arm):
    """Patients take the list's next entry, so build until one lands in the wanted arm."""
    for index in range(1, 12):
        patient = demo_patient(site, user, state, days_ago, index)
        if arm_of(patient) == arm:
            return patient
    raise AssertionError(f"no patient allocated to {arm}")


def test_screening_visit_is_missing_forms_but_not_overdue_inside_its_window(s01, inv_s01):
    patient = demo_patient(s01, inv_s01, "screening", 5, 1)
    (screening,) = visits(patient)
    assert screening.code == "SCR"
    assert screening.forms_missing and not screening.overdue


def test_screening_visit_past_its_window_with_forms_missing_is_overdue(s01, inv_s01):
    patient = demo_patient(s01, inv_s01, "screening", 40, 1)
    assert [v.code for v in selectors.overdue_visits(Visit.objects.all(), today=TODAY)] == ["SCR"]
    assert Patient.objects.filter(selectors.has_overdue_visit(today=TODAY)).get() == patient


def test_completed_screening_is_neither_missing_nor_overdue(s01, inv_s01):
    patient = demo_patient(s01, inv_s01, "randomized", 40, 1)
    screening = visits(patient).get(code="SCR")
    assert not screening.forms_missing and not screening.overdue


def test_screen_failure_expects_no_treatment_visits(s01, inv_s01):
    patient = demo_patient(s01, inv_s01, "screen_failed", 40, 1)
    assert [v.code for v in visits(patient, applicable=True)] == ["SCR"]


@pytest.mark.parametrize("arm", [Arm.MAINTENANCE, Arm.FOLFOX_ALONE])
def test_randomized_patient_expects_cycle_one_and_follow_up_in_either_arm(s01, inv_s01, arm):
    patient = patient_in_arm(s01, inv_s01, "randomized", 12, arm)
    codes = [v.code for v in visits(patient, applicable=True)]
    assert codes[:3] == ["SCR", "RAND", "C01"]
    assert sum(c.startswith("FU") for c in codes) == 14


@pytest.mark.parametrize("arm, maintenance_cycles", [(Arm.MAINTENANCE, 17), (Arm.FOLFOX_ALONE, 0)])
def test_maintenance_visits_only_in_the_maintenance_arm(s01, inv_s01, arm, maintenance_cycles):
    patient = patient_in_arm(s01, inv_s01, "on_treatment", 110, arm)
    codes = [v.code for v in visits(patient, applicable=True)]
    assert sum(c.startswith("M") for c in codes) == maintenance_cycles
    assert sum(c.startswith("C") for c in codes) == 12


def test_given_cycles_are_done_and_a_missed_cycle_becomes_overdue(s01, inv_s01):
    patient = demo_patient(s01, inv_s01, "on_treatment", 110, 1)
    cycles = visits(patient).filter(code__startswith="C")
    done = [v.code for v in cycles if not v.forms_missing]
    overdue = [v.code for v in cycles if v.overdue]
    assert done and done == [f"C{n:02d}" for n in range(1, len(done) + 1)]
    upcoming = [v for v in cycles if v.forms_missing]
    assert all(v.window_end >= TODAY for v in upcoming if v.code not in overdue)
    assert all(v.window_end < TODAY for v in upcoming if v.code in overdue)


def test_nothing_is_expected_after_death(s01, inv_s01):
    patient = demo_patient(s01, inv_s01, "died", 520, 1)
    death = patient.death_set.get().dthdat
    expected = visits(patient, applicable=True)
    assert expected and all(v.window_start <= death for v in expected)
    assert not selectors.overdue_visits(Visit.objects.filter(patient=patient), today=TODAY)


def test_unscheduled_visit_expects_no_forms(s01, inv_s01):
    from ecrf.services import add_unscheduled_visit

    patient = make_patient(s01)
    visit = add_unscheduled_visit(
        patient=patient, visit_date=TODAY, acting_user=inv_s01, reason="Fever"
    )
    assert not visits(patient).get(pk=visit.pk).forms_missing
