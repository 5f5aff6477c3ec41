"""Which visits the protocol expects of a patient, from their dates. Pure rules."""

from datetime import date, timedelta

import pytest

from ecrf.schedule import Anchors, is_overdue, planned_treatment_end, planned_visits
from trial.protocol import Arm

CONSENT = date(2026, 1, 5)
RAND = date(2026, 1, 20)
FIRST = date(2026, 2, 2)


def codes(anchors):
    return [v.code for v in planned_visits(anchors)]


def by_code(anchors):
    return {v.code: v for v in planned_visits(anchors)}


def test_screening_patient_has_only_the_screening_visit():
    visits = by_code(Anchors(consent=CONSENT))
    assert list(visits) == ["SCR"]
    assert visits["SCR"].window_start == CONSENT
    assert visits["SCR"].window_end == CONSENT + timedelta(days=28)
    assert "eligibility" in visits["SCR"].forms


def test_screen_failure_expects_nothing_after_screening():
    assert codes(Anchors(consent=CONSENT, randomization=None, screen_failed=True)) == ["SCR"]


def test_randomized_before_first_dose_expects_cycle_one_within_28_days():
    visits = by_code(Anchors(consent=CONSENT, randomization=RAND, arm=Arm.FOLFOX_ALONE))
    assert visits["C01"].window_start == RAND
    assert visits["C01"].window_end == RAND + timedelta(days=28)
    assert "C02" not in visits  # later cycles hang from the first dose
    assert "EOT" not in visits
    follow_ups = [c for c in visits if c.startswith("FU")]
    assert len(follow_ups) == 14  # 8 three-monthly to 2 years, 6 six-monthly to 5 years


@pytest.mark.parametrize(
    "arm, cycles, maintenance, eot_day",
    [
        (Arm.MAINTENANCE, 12, 17, 12 * 14 + 17 * 21),
        (Arm.FOLFOX_ALONE, 12, 0, 12 * 14),
    ],
)
def test_treatment_visits_follow_the_arm(arm, cycles, maintenance, eot_day):
    visits = by_code(Anchors(consent=CONSENT, randomization=RAND, arm=arm, first_folfox=FIRST))
    assert len([c for c in visits if c.startswith("C")]) == cycles
    assert len([c for c in visits if c.startswith("M")]) == maintenance
    assert visits["C02"].target == FIRST + timedelta(days=14)
    assert visits["C02"].window_start == FIRST + timedelta(days=11)
    assert visits["C02"].window_end == FIRST + timedelta(days=17)
    assert visits["EOT"].target == FIRST + timedelta(days=eot_day)
    assert visits["EOT"].window_end == FIRST + timedelta(days=eot_day + 30)


def test_first_maintenance_cycle_follows_the_last_folfox_cycle():
    visits = by_code(
        Anchors(consent=CONSENT, randomization=RAND, arm=Arm.MAINTENANCE, first_folfox=FIRST)
    )
    assert visits["M01"].target == FIRST + timedelta(days=168)
    assert visits["M02"].target == FIRST + timedelta(days=168 + 21)


def test_follow_up_is_anchored_on_randomization_in_both_arms():
    a = by_code(Anchors(randomization=RAND, arm=Arm.MAINTENANCE, first_folfox=FIRST))
    b = by_code(Anchors(randomization=RAND, arm=Arm.FOLFOX_ALONE, first_folfox=FIRST))
    assert a["FU03"].target == b["FU03"].target == RAND + timedelta(days=91)
    assert a["FU60"].target == RAND + timedelta(days=1826)
    assert (a["FU24"].window_end - a["FU24"].target).days == 14
    assert (a["FU30"].window_end - a["FU30"].target).days == 28


def test_early_end_of_treatment_drops_later_cycles_and_moves_eot():
    eot = FIRST + timedelta(days=60)
    visits = by_code(
        Anchors(randomization=RAND, arm=Arm.MAINTENANCE, first_folfox=FIRST, end_of_treatment=eot)
    )
    assert "C05" in visits and "C06" not in visits
    assert not [c for c in visits if c.startswith("M")]
    assert visits["EOT"].target == eot
    assert "FU12" in visits  # follow-up goes on


def test_nothing_is_expected_after_death():
    death = RAND + timedelta(days=200)
    visits = by_code(
        Anchors(randomization=RAND, arm=Arm.FOLFOX_ALONE, first_folfox=FIRST, death=death)
    )
    assert "FU06" in visits  # target day 183, before death
    assert "FU09" not in visits
    assert all(v.target <= death for v in visits.values())


def test_planned_treatment_end_by_arm():
    assert planned_treatment_end(FIRST, Arm.FOLFOX_ALONE) == FIRST + timedelta(days=168)
    assert planned_treatment_end(FIRST, Arm.MAINTENANCE) == FIRST + timedelta(days=525)


@pytest.mark.parametrize(
    "window_end, missing, today, overdue",
    [
        (date(2026, 3, 1), True, date(2026, 3, 2), True),
        (date(2026, 3, 1), True, date(2026, 3, 1), False),  # last day of the window
        (date(2026, 3, 1), False, date(2026, 4, 1), False),  # forms done
        (None, True, date(2026, 4, 1), False),
    ],
)
def test_overdue_means_window_closed_with_a_form_missing(window_end, missing, today, overdue):
    assert is_overdue(window_end=window_end, forms_missing=missing, today=today) is overdue


def test_after_recurrence_follow_up_asks_only_for_survival():
    recurrence = RAND + timedelta(days=200)
    visits = by_code(Anchors(randomization=RAND, arm=Arm.FOLFOX_ALONE, recurrence=recurrence))
    assert "tumour_assessment" in visits["FU06"].forms  # day 183, before the recurrence
    assert visits["FU09"].forms == ("survival",)
