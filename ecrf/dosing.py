"""Dosing rules: body surface area, planned doses, capecitabine tablets, dose deviation,
compliance and relative dose intensity.

Pure functions on plain values; every regimen number comes from `trial.protocol`.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from trial import protocol
from trial.protocol import Component, Regimen

# The body measures the BSA formulas take; the edit checks VS01 and VS03 refuse any other.
HEIGHT_RANGE_CM = (100, 250)
WEIGHT_RANGE_KG = (25, 300)
DAYS_PER_WEEK = 7


# Body surface area ----------------------------------------------------------------------


def _check_body_measures(height_cm: float, weight_kg: float) -> tuple[float, float]:
    height, weight = float(height_cm), float(weight_kg)
    low, high = HEIGHT_RANGE_CM
    if not low <= height <= high:
        raise ValueError(f"Height {height_cm} cm is outside the plausible {low}-{high} cm.")
    low, high = WEIGHT_RANGE_KG
    if not low <= weight <= high:
        raise ValueError(f"Weight {weight_kg} kg is outside the plausible {low}-{high} kg.")
    return height, weight


def bsa_mosteller(height_cm: float, weight_kg: float) -> float:
    """Mosteller body surface area in m2, unrounded: sqrt(height x weight / 3600)."""
    height, weight = _check_body_measures(height_cm, weight_kg)
    return math.sqrt(height * weight / 3600)


def bsa_dubois(height_cm: float, weight_kg: float) -> float:
    """DuBois body surface area in m2, unrounded: 0.007184 x height^0.725 x weight^0.425."""
    height, weight = _check_body_measures(height_cm, weight_kg)
    return 0.007184 * height**0.725 * weight**0.425


BSA_FORMULAS = {"mosteller": bsa_mosteller, "dubois": bsa_dubois}


def body_surface_area(
    height_cm: float,
    weight_kg: float,
    *,
    formula: str = protocol.BSA_FORMULA,
    cap_m2: float | None = protocol.BSA_CAP_M2,
) -> float:
    """The BSA doses are calculated on: rounded half up to 0.01 m2, then capped (None: no cap)."""
    try:
        calculate = BSA_FORMULAS[formula]
    except KeyError:
        raise ValueError(
            f"Unknown BSA formula {formula!r}; expected one of {', '.join(BSA_FORMULAS)}."
        ) from None
    bsa = float(_round_half_up(_decimal(calculate(height_cm, weight_kg)), Decimal("0.01")))
    return bsa if cap_m2 is None else min(bsa, cap_m2)


# Planned doses --------------------------------------------------------------------------


def dose_fraction(dose_level: int, *, regimen: Regimen = protocol.FOLFOX) -> float:
    """The fraction of the full dose given at a dose level (0 = starting dose)."""
    try:
        return regimen.dose_levels[dose_level]
    except KeyError:
        known = ", ".join(str(level) for level in sorted(regimen.dose_levels, reverse=True))
        raise ValueError(
            f"Unknown dose level {dose_level} for {regimen.name}; expected one of {known}."
        ) from None


def planned_dose_mg(
    component: str | Component,
    bsa_m2: float,
    dose_level: int = 0,
    *,
    regimen: Regimen = protocol.FOLFOX,
) -> int:
    """mg/m2 x BSA x dose level fraction, rounded half up to the component's rounding step."""
    component = _component_of(regimen, component)
    target = _target_mg(component, bsa_m2, dose_level, regimen=regimen)
    return int(_round_half_up(target, _decimal(component.rounding_mg)))


def planned_folfox_doses(bsa_m2: float, dose_level: int = 0) -> dict[str, int]:
    """Planned mg of every FOLFOX component, keyed by component code."""
    return {
        component.code: planned_dose_mg(component, bsa_m2, dose_level, regimen=protocol.FOLFOX)
        for component in protocol.FOLFOX.components
    }


# Capecitabine tablets -------------------------------------------------------------------

LARGE_TABLET_MG, SMALL_TABLET_MG = protocol.CAPECITABINE_TABLET_MG


@dataclass(frozen=True)
class TabletPlan:
    """One capecitabine administration (taken CAPECITABINE_DOSES_PER_DAY times a day)."""

    dose_mg: int
    tablets_500: int
    tablets_150: int

    @property
    def tablets_per_dose(self) -> int:
        return self.tablets_500 + self.tablets_150

    @property
    def daily_dose_mg(self) -> int:
        return self.dose_mg * protocol.CAPECITABINE_DOSES_PER_DAY


def tablets_for_dose(dose_mg: float) -> TabletPlan:
    """The tablet combination closest to dose_mg; ties go to the lower dose, then to the
    fewest tablets."""
    target = _decimal(dose_mg)
    if target < 0:
        raise ValueError(f"A dose cannot be negative ({dose_mg} mg).")
    combinations = (
        TabletPlan(
            dose_mg=large * LARGE_TABLET_MG + small * SMALL_TABLET_MG,
            tablets_500=large,
            tablets_150=small,
        )
        for large in range(int(target // LARGE_TABLET_MG) + 2)
        for small in range(int(target // SMALL_TABLET_MG) + 2)
    )
    return min(
        combinations,
        key=lambda plan: (abs(plan.dose_mg - target), plan.dose_mg, plan.tablets_per_dose),
    )


def capecitabine_dose(bsa_m2: float, dose_level: int = 0) -> TabletPlan:
    """The single (twice daily) capecitabine dose for a BSA and dose level, in tablets."""
    (component,) = protocol.CAPECITABINE.components
    target = _target_mg(component, bsa_m2, dose_level, regimen=protocol.CAPECITABINE)
    return tablets_for_dose(target)


def expected_tablets(
    plan: TabletPlan,
    *,
    days_on: int = protocol.CAPECITABINE_DAYS_ON,
    doses_per_day: int = protocol.CAPECITABINE_DOSES_PER_DAY,
    doses_held: int = 0,
) -> int:
    """Tablets a fully compliant patient takes in one cycle.

    doses_held: doses the investigator told the patient to skip; doses the patient forgot
    are left in, as they are what compliance measures.
    """
    scheduled = days_on * doses_per_day
    if not 0 <= doses_held <= scheduled:
        raise ValueError(f"Doses held ({doses_held}) must be between 0 and {scheduled}.")
    return (scheduled - doses_held) * plan.tablets_per_dose


def capecitabine_compliance(
    *, tablets_dispensed: int, tablets_returned: int, tablets_expected: int
) -> float:
    """Percent of expected tablets taken, by tablet count: (dispensed - returned) / expected."""
    if tablets_expected <= 0:
        raise ValueError("Expected tablets must be positive to compute compliance.")
    if not 0 <= tablets_returned <= tablets_dispensed:
        raise ValueError(
            f"Tablets returned ({tablets_returned}) must be between 0 and the "
            f"{tablets_dispensed} dispensed."
        )
    return (tablets_dispensed - tablets_returned) / tablets_expected * 100


# Dose deviation -------------------------------------------------------------------------


def dose_deviation(planned_mg: float, administered_mg: float) -> float:
    """(administered - planned) / planned as a fraction: 90 mg of 100 mg planned is -0.10."""
    return float(_deviation(planned_mg, administered_mg))


def needs_deviation_reason(
    planned_mg: float,
    administered_mg: float,
    *,
    tolerance: float = protocol.DOSE_DEVIATION_TOLERANCE,
) -> bool:
    """True when the administered dose is strictly outside planned +-tolerance, or omitted."""
    deviation = _deviation(planned_mg, administered_mg)
    return administered_mg == 0 or abs(deviation) > _decimal(tolerance)


# Relative dose intensity ----------------------------------------------------------------


@dataclass(frozen=True)
class DeliveredCycle:
    """One cycle as given. administered_mg: the whole cycle's dose (0 when omitted; for
    capecitabine, the sum of all tablets taken); bsa_m2: the BSA that dose was based on."""

    start_date: date
    administered_mg: float
    bsa_m2: float


def planned_mg_per_m2_per_cycle(
    component: str | Component, *, regimen: Regimen = protocol.FOLFOX
) -> float:
    """The full-dose mg/m2 of one cycle: oral capecitabine's per-dose mg/m2 is taken
    every scheduled dose of the cycle."""
    component = _component_of(regimen, component)
    return component.mg_per_m2 * _administrations_per_cycle(regimen)


def dose_intensity(*, mg_per_m2: float, weeks: float) -> float:
    """Hryniuk's dose intensity: mg/m2 per week."""
    if weeks <= 0:
        raise ValueError(f"Treatment duration must be positive ({weeks} weeks).")
    return mg_per_m2 / weeks


def planned_dose_intensity(
    component: str | Component, *, regimen: Regimen = protocol.FOLFOX
) -> float:
    """Planned mg/m2 per week: the planned cycles at full dose over their planned duration,
    which is one cycle's mg/m2 over the cycle length in weeks."""
    return dose_intensity(
        mg_per_m2=planned_mg_per_m2_per_cycle(component, regimen=regimen) * regimen.cycles,
        weeks=regimen.cycles * regimen.cycle_days / DAYS_PER_WEEK,
    )


def delivered_dose_intensity(
    cycles: Sequence[DeliveredCycle], *, cycle_days: int, end_date: date | None = None
) -> float:
    """Delivered mg/m2 per week: the sum of each cycle's mg / BSA over the weeks from the
    first cycle's start to end_date (default: last cycle's start + cycle_days). 0.0 without
    cycles."""
    if not cycles:
        return 0.0
    for cycle in cycles:
        if cycle.administered_mg < 0:
            raise ValueError(f"Administered dose cannot be negative ({cycle.administered_mg}).")
        if cycle.bsa_m2 <= 0:
            raise ValueError(f"BSA must be positive ({cycle.bsa_m2} m2).")
    first = min(cycle.start_date for cycle in cycles)
    last = max(cycle.start_date for cycle in cycles)
    end = end_date or last + timedelta(days=cycle_days)
    if end <= first:
        raise ValueError(f"Treatment end {end} is not after the first cycle ({first}).")
    delivered = sum(cycle.administered_mg / cycle.bsa_m2 for cycle in cycles)
    return dose_intensity(mg_per_m2=delivered, weeks=(end - first).days / DAYS_PER_WEEK)


def relative_dose_intensity(
    cycles: Sequence[DeliveredCycle],
    *,
    component: str | Component,
    regimen: Regimen = protocol.FOLFOX,
    end_date: date | None = None,
) -> float:
    """Relative dose intensity (RDI) of one component, as a fraction.

    RDI = delivered dose intensity / planned dose intensity (Hryniuk), each in mg/m2 per
    week. Delivered: the total mg/m2 given (each cycle's mg over that cycle's BSA; omitted
    cycles count as 0 mg) over the actual treatment duration, from the first cycle's start
    to the end of the last cycle's period (its start + cycle length). Planned: the planned
    number of cycles at full dose over the planned duration. Delays and reductions lower
    RDI; stopping early does not, as only the time treated counts. No cycles: 0.0.
    """
    planned = planned_dose_intensity(component, regimen=regimen)
    delivered = delivered_dose_intensity(cycles, cycle_days=regimen.cycle_days, end_date=end_date)
    return delivered / planned


def patient_rdi(
    cycles_by_component: Mapping[str, Sequence[DeliveredCycle]],
    *,
    regimens: Sequence[Regimen] = (protocol.FOLFOX, protocol.CAPECITABINE),
) -> dict[str, float]:
    """RDI per component code, each looked up in the regimen that contains it."""
    return {
        code: relative_dose_intensity(cycles, component=code, regimen=_regimen_of(code, regimens))
        for code, cycles in cycles_by_component.items()
    }


# Internals ------------------------------------------------------------------------------


def _decimal(value: float) -> Decimal:
    # Through str so that 1.15 stays 1.15 and a true half step is not lost to binary floats.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _round_half_up(value: Decimal, step: Decimal) -> Decimal:
    if step <= 0:
        raise ValueError(f"Rounding step must be positive ({step}).")
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def _target_mg(
    component: Component, bsa_m2: float, dose_level: int, *, regimen: Regimen
) -> Decimal:
    if not bsa_m2 > 0:
        raise ValueError(f"BSA must be positive ({bsa_m2} m2).")
    fraction = dose_fraction(dose_level, regimen=regimen)
    return _decimal(component.mg_per_m2) * _decimal(bsa_m2) * _decimal(fraction)


def _deviation(planned_mg: float, administered_mg: float) -> Decimal:
    if not planned_mg > 0:
        raise ValueError(f"Planned dose must be positive ({planned_mg} mg).")
    if administered_mg < 0:
        raise ValueError(f"Administered dose cannot be negative ({administered_mg} mg).")
    planned = _decimal(planned_mg)
    return (_decimal(administered_mg) - planned) / planned


def _component_of(regimen: Regimen, component: str | Component) -> Component:
    code = component.code if isinstance(component, Component) else component
    for candidate in regimen.components:
        if candidate.code == code:
            return candidate
    known = ", ".join(c.code for c in regimen.components)
    raise ValueError(f"{code!r} is not a component of {regimen.name}; expected one of {known}.")


def _regimen_of(code: str, regimens: Sequence[Regimen]) -> Regimen:
    for regimen in regimens:
        if any(component.code == code for component in regimen.components):
            return regimen
    raise ValueError(f"{code!r} is not a component of any regimen.")


def _administrations_per_cycle(regimen: Regimen) -> int:
    # The protocol's capecitabine mg/m2 is per dose; FOLFOX components are given once a cycle.
    if regimen.code == protocol.CAPECITABINE.code:
        return protocol.CAPECITABINE_DAYS_ON * protocol.CAPECITABINE_DOSES_PER_DAY
    return 1
