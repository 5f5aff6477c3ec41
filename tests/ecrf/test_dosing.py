"""Dosing rules as tables of cases; every expected value is worked out by hand."""

import math
from datetime import date, timedelta
from decimal import Decimal

import pytest

from ecrf.dosing import (
    DeliveredCycle,
    TabletPlan,
    body_surface_area,
    bsa_dubois,
    bsa_mosteller,
    capecitabine_compliance,
    capecitabine_dose,
    delivered_dose_intensity,
    dose_deviation,
    dose_fraction,
    dose_intensity,
    expected_tablets,
    needs_deviation_reason,
    patient_rdi,
    planned_dose_intensity,
    planned_dose_mg,
    planned_folfox_doses,
    planned_mg_per_m2_per_cycle,
    relative_dose_intensity,
    tablets_for_dose,
)
from trial.protocol import CAPECITABINE, FOLFOX, Component, Regimen

# Body surface area ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("height_cm", "weight_kg", "mosteller", "dubois"),
    [
        (170, 70, 1.81812, 1.80971),
        (160, 60, 1.63299, 1.62206),
        (180, 80, 2.0, 1.99642),
        (150, 50, 1.44338, 1.43250),
        (100, 25, 0.83333, 0.79523),
    ],
)
def test_bsa_formulas_give_known_values(height_cm, weight_kg, mosteller, dubois):
    assert bsa_mosteller(height_cm, weight_kg) == pytest.approx(mosteller, abs=1e-5)
    assert bsa_dubois(height_cm, weight_kg) == pytest.approx(dubois, abs=1e-5)


@pytest.mark.parametrize(
    ("height_cm", "weight_kg", "formula", "cap_m2", "expected"),
    [
        (170, 70, "mosteller", 2.2, 1.82),
        (170, 70, "dubois", 2.2, 1.81),
        (160, 60, "mosteller", 2.2, 1.63),
        (160, 60, "dubois", 2.2, 1.62),
        (180, 80, "mosteller", 2.2, 2.0),
        (150, 50, "dubois", 2.2, 1.43),
        (100, 25, "mosteller", 2.2, 0.83),
        (Decimal("170.0"), Decimal("70.0"), "dubois", 2.2, 1.81),
        # the cap: 176 x 99 / 3600 = 2.2 squared, so exactly at the cap
        (176, 99, "mosteller", 2.2, 2.2),
        (176, 100, "mosteller", 2.2, 2.2),
        (176, 100, "mosteller", None, 2.21),
        (190, 110, "mosteller", 2.2, 2.2),
        (190, 110, "mosteller", None, 2.41),
        (190, 110, "dubois", 2.2, 2.2),
        (190, 110, "dubois", None, 2.38),
        (190, 110, "mosteller", 2.0, 2.0),
        (250, 300, "mosteller", None, 4.56),
    ],
)
def test_body_surface_area_is_rounded_and_capped(height_cm, weight_kg, formula, cap_m2, expected):
    assert body_surface_area(height_cm, weight_kg, formula=formula, cap_m2=cap_m2) == expected


def test_body_surface_area_defaults_to_mosteller_capped_at_2_2():
    assert body_surface_area(170, 70) == 1.82
    assert body_surface_area(190, 110) == 2.2


@pytest.mark.parametrize(
    ("height_cm", "weight_kg", "message"),
    [
        (0, 70, "Height"),
        (-170, 70, "Height"),
        (99.9, 70, "Height"),
        (250.1, 70, "Height"),
        (math.nan, 70, "Height"),
        (170, 0, "Weight"),
        (170, -70, "Weight"),
        (170, 24.9, "Weight"),
        (170, 300.1, "Weight"),
        (1.70, 70, "Height"),
        (170, 70000, "Weight"),
    ],
)
@pytest.mark.parametrize("formula", ["mosteller", "dubois"])
def test_implausible_height_or_weight_is_refused(height_cm, weight_kg, message, formula):
    with pytest.raises(ValueError, match=message):
        body_surface_area(height_cm, weight_kg, formula=formula)


def test_unknown_bsa_formula_is_refused():
    with pytest.raises(ValueError, match="Unknown BSA formula 'boyd'"):
        body_surface_area(170, 70, formula="boyd")


# Planned doses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regimen", "dose_level", "fraction"),
    [
        (FOLFOX, 0, 1.0),
        (FOLFOX, -1, 0.8),
        (FOLFOX, -2, 0.6),
        (CAPECITABINE, 0, 1.0),
        (CAPECITABINE, -1, 0.75),
        (CAPECITABINE, -2, 0.5),
    ],
)
def test_dose_level_fractions(regimen, dose_level, fraction):
    assert dose_fraction(dose_level, regimen=regimen) == fraction


@pytest.mark.parametrize(
    ("component", "bsa_m2", "dose_level", "expected_mg"),
    [
        # 85 x 1.82 = 154.7 -> 155; 400 x 1.82 = 728 -> 730; 2400 x 1.82 = 4368 -> 4350
        ("OXALIPLATIN", 1.82, 0, 155),
        ("LEUCOVORIN", 1.82, 0, 730),
        ("FU_BOLUS", 1.82, 0, 730),
        ("FU_INFUSION", 1.82, 0, 4350),
        # x 0.8: 123.76 -> 125; 582.4 -> 580; 3494.4 -> 3500
        ("OXALIPLATIN", 1.82, -1, 125),
        ("LEUCOVORIN", 1.82, -1, 580),
        ("FU_BOLUS", 1.82, -1, 580),
        ("FU_INFUSION", 1.82, -1, 3500),
        # x 0.6: 92.82 -> 95; 436.8 -> 440; 2620.8 -> 2600
        ("OXALIPLATIN", 1.82, -2, 95),
        ("LEUCOVORIN", 1.82, -2, 440),
        ("FU_BOLUS", 1.82, -2, 440),
        ("FU_INFUSION", 1.82, -2, 2600),
        ("OXALIPLATIN", 2.0, 0, 170),
        ("FU_INFUSION", 2.0, 0, 4800),
        # 136 -> 135; 3840 -> 3850; 102 -> 100; 2880 -> 2900
        ("OXALIPLATIN", 2.0, -1, 135),
        ("FU_INFUSION", 2.0, -1, 3850),
        ("OXALIPLATIN", 2.0, -2, 100),
        ("FU_INFUSION", 2.0, -2, 2900),
        # exactly half a step rounds up: 85 x 1.5 = 127.5 -> 130
        ("OXALIPLATIN", 1.5, 0, 130),
        ("OXALIPLATIN", 1.49, 0, 125),
        ("OXALIPLATIN", 1.51, 0, 130),
        (FOLFOX.components[0], 1.82, 0, 155),
    ],
)
def test_planned_folfox_dose(component, bsa_m2, dose_level, expected_mg):
    assert planned_dose_mg(component, bsa_m2, dose_level) == expected_mg


HALF_STEP = Regimen(
    code="HALF",
    name="Half-step check",
    components=(Component("DRUG", "Drug", 100, "IV", 10),),
    cycle_days=14,
    cycles=1,
    dose_levels={0: 1.0, -1: 0.75},
)


@pytest.mark.parametrize(
    ("bsa_m2", "dose_level", "expected_mg"),
    [
        (1.25, 0, 130),  # 125: half up, not to even
        (1.15, 0, 120),  # 115, which binary floats hold as 114.999...
        (1.24, 0, 120),
        (1.26, 0, 130),
        (1.40, -1, 110),  # 105
        (1.00, -1, 80),  # 75
    ],
)
def test_planned_dose_rounds_exact_half_steps_up(bsa_m2, dose_level, expected_mg):
    assert planned_dose_mg("DRUG", bsa_m2, dose_level, regimen=HALF_STEP) == expected_mg


@pytest.mark.parametrize(
    ("bsa_m2", "dose_level", "expected"),
    [
        (1.82, 0, {"OXALIPLATIN": 155, "LEUCOVORIN": 730, "FU_BOLUS": 730, "FU_INFUSION": 4350}),
        (2.0, -1, {"OXALIPLATIN": 135, "LEUCOVORIN": 640, "FU_BOLUS": 640, "FU_INFUSION": 3850}),
        (1.63, -2, {"OXALIPLATIN": 85, "LEUCOVORIN": 390, "FU_BOLUS": 390, "FU_INFUSION": 2350}),
    ],
)
def test_planned_folfox_doses_cover_every_component(bsa_m2, dose_level, expected):
    # 1.63 x 0.6: 83.13 -> 85; 391.2 -> 390; 2347.2 -> 2350
    assert planned_folfox_doses(bsa_m2, dose_level) == expected


def test_planned_capecitabine_dose_uses_its_own_regimen():
    # 1000 x 1.82 = 1820, to the 150 mg step -> 1800
    assert planned_dose_mg("CAPECITABINE", 1.82, regimen=CAPECITABINE) == 1800


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: planned_dose_mg("OXALIPLATIN", 1.82, 1), "Unknown dose level 1"),
        (lambda: planned_dose_mg("OXALIPLATIN", 1.82, -3), "Unknown dose level -3"),
        (lambda: planned_folfox_doses(1.82, -3), "Unknown dose level -3"),
        (lambda: capecitabine_dose(1.82, -3), "Unknown dose level -3"),
        (lambda: planned_dose_mg("CAPECITABINE", 1.82), "not a component of mFOLFOX6"),
        (lambda: planned_dose_mg("OXALIPLATIN", 0), "BSA must be positive"),
        (lambda: planned_dose_mg("OXALIPLATIN", -1.8), "BSA must be positive"),
        (lambda: capecitabine_dose(0), "BSA must be positive"),
    ],
)
def test_planned_dose_refuses_unknown_levels_components_and_bsa(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# Capecitabine tablets -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target_mg", "plan"),
    [
        (1820, TabletPlan(1800, 3, 2)),  # 1800 (off by 20) beats 1850 (off by 30)
        (1826, TabletPlan(1850, 1, 9)),  # 1850 (off by 24) beats 1800 (off by 26)
        (1800, TabletPlan(1800, 3, 2)),  # not 12 x 150
        (1500, TabletPlan(1500, 3, 0)),  # not 10 x 150
        (2000, TabletPlan(2000, 4, 0)),  # not 1 x 500 + 10 x 150
        (1650, TabletPlan(1650, 3, 1)),  # not 11 x 150
        (2200, TabletPlan(2200, 2, 8)),  # exact beats 2150 in fewer tablets
        (1725, TabletPlan(1700, 1, 8)),  # halfway between 1700 and 1750: the lower
        (1125, TabletPlan(1100, 1, 4)),  # halfway between 1100 and 1150
        (975, TabletPlan(950, 1, 3)),  # halfway between 950 and 1000
        (Decimal("1825.0"), TabletPlan(1800, 3, 2)),  # halfway between 1800 and 1850
        (875, TabletPlan(900, 0, 6)),  # 850 cannot be made from 500 and 150
        (150, TabletPlan(150, 0, 1)),
        (76, TabletPlan(150, 0, 1)),
        (75, TabletPlan(0, 0, 0)),
        (0, TabletPlan(0, 0, 0)),
    ],
)
def test_tablets_for_dose(target_mg, plan):
    assert tablets_for_dose(target_mg) == plan


def test_negative_tablet_dose_is_refused():
    with pytest.raises(ValueError, match="negative"):
        tablets_for_dose(-150)


@pytest.mark.parametrize(
    ("bsa_m2", "dose_level", "plan", "daily_mg"),
    [
        (1.82, 0, TabletPlan(1800, 3, 2), 3600),  # 1820
        (2.0, 0, TabletPlan(2000, 4, 0), 4000),
        (2.2, 0, TabletPlan(2200, 2, 8), 4400),
        (1.82, -1, TabletPlan(1350, 0, 9), 2700),  # 1365
        (1.82, -2, TabletPlan(900, 0, 6), 1800),  # 910
        (1.30, -1, TabletPlan(950, 1, 3), 1900),  # 975: tie, the lower
        (1.50, -1, TabletPlan(1100, 1, 4), 2200),  # 1125: tie, the lower
        (1.75, -2, TabletPlan(900, 0, 6), 1800),  # 875
    ],
)
def test_capecitabine_dose(bsa_m2, dose_level, plan, daily_mg):
    assert capecitabine_dose(bsa_m2, dose_level) == plan
    assert capecitabine_dose(bsa_m2, dose_level).daily_dose_mg == daily_mg


def test_tablet_plan_counts_tablets_per_dose():
    assert TabletPlan(1800, 3, 2).tablets_per_dose == 5


# Compliance -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "kwargs", "expected"),
    [
        (TabletPlan(1800, 3, 2), {}, 140),  # 14 days x 2 doses x 5 tablets
        (TabletPlan(1800, 3, 2), {"doses_held": 2}, 130),
        (TabletPlan(2000, 4, 0), {}, 112),
        (TabletPlan(1800, 3, 2), {"days_on": 7}, 70),
        (TabletPlan(1800, 3, 2), {"doses_per_day": 1}, 70),
        (TabletPlan(1800, 3, 2), {"doses_held": 28}, 0),
    ],
)
def test_expected_tablets_per_cycle(plan, kwargs, expected):
    assert expected_tablets(plan, **kwargs) == expected


@pytest.mark.parametrize("doses_held", [-1, 29])
def test_expected_tablets_refuse_impossible_held_doses(doses_held):
    with pytest.raises(ValueError, match="Doses held"):
        expected_tablets(TabletPlan(1800, 3, 2), doses_held=doses_held)


@pytest.mark.parametrize(
    ("dispensed", "returned", "expected", "percent"),
    [
        (140, 0, 140, 100.0),
        (140, 14, 140, 90.0),
        (140, 7, 140, 95.0),
        (150, 10, 140, 100.0),
        (120, 0, 140, 600 / 7),  # 85.7 %
        (160, 10, 140, 750 / 7),  # 107.1 %: took more than prescribed
        (140, 140, 140, 0.0),
    ],
)
def test_capecitabine_compliance(dispensed, returned, expected, percent):
    result = capecitabine_compliance(
        tablets_dispensed=dispensed, tablets_returned=returned, tablets_expected=expected
    )
    assert result == pytest.approx(percent)


@pytest.mark.parametrize(
    ("dispensed", "returned", "expected", "message"),
    [
        (140, 0, 0, "Expected tablets"),
        (140, 141, 140, "returned"),
        (140, -1, 140, "returned"),
    ],
)
def test_capecitabine_compliance_refuses_impossible_counts(dispensed, returned, expected, message):
    with pytest.raises(ValueError, match=message):
        capecitabine_compliance(
            tablets_dispensed=dispensed, tablets_returned=returned, tablets_expected=expected
        )


# Dose deviation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("planned_mg", "administered_mg", "deviation"),
    [
        (100, 90, -0.10),
        (100, 110, 0.10),
        (155, 155, 0.0),
        (200, 170, -0.15),
        (4350, 3480, -0.20),
        (100, 0, -1.0),
    ],
)
def test_dose_deviation(planned_mg, administered_mg, deviation):
    assert dose_deviation(planned_mg, administered_mg) == pytest.approx(deviation)


@pytest.mark.parametrize(
    ("planned_mg", "administered_mg", "needs_reason"),
    [
        (100, 100, False),
        (100, 90, False),  # exactly -10 %
        (100, 110, False),  # exactly +10 %
        (100, 89.9, True),  # -10.1 %
        (100, 110.1, True),  # +10.1 %
        (155, 139.5, False),  # exactly -10 % of a rounded dose
        (155, 170.5, False),
        (155, 139.4, True),
        (4350, 3915, False),
        (4350, 3914, True),
        (100, 0, True),  # omitted
    ],
)
def test_dose_outside_ten_percent_needs_a_reason(planned_mg, administered_mg, needs_reason):
    assert needs_deviation_reason(planned_mg, administered_mg) is needs_reason


@pytest.mark.parametrize(
    ("administered_mg", "tolerance", "needs_reason"),
    [
        (95, 0.05, False),
        (94, 0.05, True),
        (0, 1.0, True),  # an omitted dose always needs a reason
    ],
)
def test_deviation_tolerance_can_be_given(administered_mg, tolerance, needs_reason):
    assert needs_deviation_reason(100, administered_mg, tolerance=tolerance) is needs_reason


@pytest.mark.parametrize(
    ("planned_mg", "administered_mg", "message"),
    [
        (0, 0, "Planned dose must be positive"),
        (-100, 90, "Planned dose must be positive"),
        (100, -10, "cannot be negative"),
    ],
)
@pytest.mark.parametrize("rule", [dose_deviation, needs_deviation_reason])
def test_deviation_refuses_impossible_doses(rule, planned_mg, administered_mg, message):
    with pytest.raises(ValueError, match=message):
        rule(planned_mg, administered_mg)


# Relative dose intensity ----------------------------------------------------------------

FIRST_CYCLE = date(2024, 3, 4)


def given(days_and_mg, *, bsa_m2=2.0):
    """Cycles started on the given days after FIRST_CYCLE with the given mg."""
    return [
        DeliveredCycle(FIRST_CYCLE + timedelta(days=day), mg, bsa_m2) for day, mg in days_and_mg
    ]


def every_14_days(doses_mg, *, delay_before=None, delay_days=14):
    days = [14 * n for n in range(len(doses_mg))]
    if delay_before is not None:
        days = [day + (delay_days if n >= delay_before else 0) for n, day in enumerate(days)]
    return list(zip(days, doses_mg, strict=True))


ON_TIME = given(every_14_days([170] * 12))  # oxaliplatin 85 mg/m2 at 2.0 m2, 24 weeks
DELAYED = given(every_14_days([170] * 12, delay_before=6))  # 26 weeks


@pytest.mark.parametrize(
    ("component", "regimen", "mg_per_m2_per_cycle", "mg_per_m2_per_week"),
    [
        ("OXALIPLATIN", FOLFOX, 85, 42.5),
        ("LEUCOVORIN", FOLFOX, 400, 200),
        ("FU_INFUSION", FOLFOX, 2400, 1200),
        # 1000 mg/m2 x 2 a day x 14 days every 3 weeks
        ("CAPECITABINE", CAPECITABINE, 28000, 28000 / 3),
    ],
)
def test_planned_dose_intensity(component, regimen, mg_per_m2_per_cycle, mg_per_m2_per_week):
    assert planned_mg_per_m2_per_cycle(component, regimen=regimen) == mg_per_m2_per_cycle
    assert planned_dose_intensity(component, regimen=regimen) == pytest.approx(mg_per_m2_per_week)


@pytest.mark.parametrize(
    ("cycles", "mg_per_m2_per_week"),
    [
        (ON_TIME, 1020 / 24),
        (DELAYED, 1020 / 26),
        ([], 0.0),
    ],
)
def test_delivered_dose_intensity(cycles, mg_per_m2_per_week):
    assert delivered_dose_intensity(cycles, cycle_days=14) == pytest.approx(mg_per_m2_per_week)


def test_dose_intensity_is_mg_per_m2_per_week():
    assert dose_intensity(mg_per_m2=1020, weeks=24) == 42.5
    with pytest.raises(ValueError, match="duration"):
        dose_intensity(mg_per_m2=1020, weeks=0)


@pytest.mark.parametrize(
    ("cycles", "rdi"),
    [
        (ON_TIME, 1.0),
        (DELAYED, 24 / 26),  # a 2-week delay stretches 24 weeks to 26
        (list(reversed(DELAYED)), 24 / 26),  # order of the records does not matter
        (given(every_14_days([170] * 11 + [136])), 1003 / 1020),  # one cycle at level -1
        (given(every_14_days([170] * 5 + [0] + [170] * 6)), 11 / 12),  # one omitted
        (
            given(every_14_days([170] * 6 + [136] * 6, delay_before=6)),
            (6 * 85 + 6 * 68) / 26 / 42.5,  # delayed and reduced
        ),
        (given(every_14_days([170] * 6)), 1.0),  # stopped after 6 cycles, on time
        (given([(0, 170)]), 1.0),
        (given([(0, 136)]), 0.8),
        (given(every_14_days([155] * 12), bsa_m2=1.82), 155 / 1.82 / 85),  # rounded up dose
        (
            given(every_14_days([170] * 6))
            + given([(84 + 14 * n, 153) for n in range(6)], bsa_m2=1.8),
            1.0,  # lost weight: full dose on the new BSA
        ),
        ([], 0.0),
    ],
)
def test_relative_dose_intensity_of_oxaliplatin(cycles, rdi):
    assert relative_dose_intensity(cycles, component="OXALIPLATIN") == pytest.approx(rdi)


def test_relative_dose_intensity_to_a_given_end_date():
    # 6 cycles on time, but the treatment period ran 2 weeks past the last cycle's 14 days
    cycles = given(every_14_days([170] * 6))
    end = FIRST_CYCLE + timedelta(days=98)
    assert relative_dose_intensity(cycles, component="OXALIPLATIN", end_date=end) == pytest.approx(
        84 / 98
    )


@pytest.mark.parametrize(
    ("cycles", "rdi"),
    [
        # 2000 mg x 28 doses = 56000 mg at 2.0 m2 = 28000 mg/m2 per 3 weeks
        (given([(0, 56000), (21, 56000)]), 1.0),
        (given([(0, 56000), (35, 56000)]), 42 / 56),  # a 2-week delay
        (given([(0, 52000)]), 26 / 28),  # 2 doses held
        (given([(0, 50400)], bsa_m2=1.82), 50400 / 1.82 / 28000),  # 1800 mg tablets
    ],
)
def test_relative_dose_intensity_of_capecitabine(cycles, rdi):
    result = relative_dose_intensity(cycles, component="CAPECITABINE", regimen=CAPECITABINE)
    assert result == pytest.approx(rdi)


def test_patient_rdi_per_component_across_regimens():
    cycles_by_component = {
        "OXALIPLATIN": ON_TIME,
        "FU_INFUSION": given(every_14_days([4800] * 12, delay_before=6)),
        "LEUCOVORIN": [],
        "CAPECITABINE": given([(0, 56000), (21, 56000)]),
    }
    assert patient_rdi(cycles_by_component) == {
        "OXALIPLATIN": pytest.approx(1.0),
        "FU_INFUSION": pytest.approx(24 / 26),
        "LEUCOVORIN": 0.0,
        "CAPECITABINE": pytest.approx(1.0),
    }


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: patient_rdi({"IRINOTECAN": ON_TIME}), "not a component of any regimen"),
        (
            lambda: relative_dose_intensity(ON_TIME, component="CAPECITABINE"),
            "not a component of mFOLFOX6",
        ),
        (
            lambda: relative_dose_intensity(given([(0, 170)], bsa_m2=0), component="OXALIPLATIN"),
            "BSA must be positive",
        ),
        (
            lambda: relative_dose_intensity(given([(0, -170)]), component="OXALIPLATIN"),
            "cannot be negative",
        ),
        (
            lambda: relative_dose_intensity(ON_TIME, component="OXALIPLATIN", end_date=FIRST_CYCLE),
            "not after the first cycle",
        ),
    ],
)
def test_relative_dose_intensity_refuses_impossible_records(call, message):
    with pytest.raises(ValueError, match=message):
        call()
