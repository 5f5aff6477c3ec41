"""Values the eCRF computes from what was entered: eligibility, BSA, planned doses, compliance.

The pages show the same numbers live while the user types; both call these functions.
"""

from decimal import Decimal

from trial import protocol

from . import ctcae, dosing
from .models import AdverseEvent, CapecitabineCycle, Crf, Eligibility, FolfoxCycle, VitalSigns
from .models.base import YesNoUnknown
from .models.treatment import FOLFOX_PREFIX


def eligibility_verdict(answers: dict[str, str]) -> bool | None:
    """True when every inclusion is Yes and every exclusion No; None while any is open."""
    inclusion = [answers.get(code) for code in Eligibility.INCLUSION]
    exclusion = [answers.get(code) for code in Eligibility.EXCLUSION]
    if YesNoUnknown.NO in inclusion or YesNoUnknown.YES in exclusion:
        return False
    if all(a == YesNoUnknown.YES for a in inclusion) and all(
        a == YesNoUnknown.NO for a in exclusion
    ):
        return True
    return None


def bsa_or_none(height_cm, weight_kg) -> Decimal | None:
    if not height_cm or not weight_kg:
        return None
    try:
        return Decimal(str(dosing.body_surface_area(float(height_cm), float(weight_kg))))
    except ValueError:
        return None  # out-of-range inputs are reported by the edit checks


def folfox_planned(bsa: Decimal | None, dose_level: int | None) -> dict[str, Decimal | None]:
    """Planned mg per component, keyed by the form's item names (oxa_planned, ...)."""
    if bsa is None or dose_level not in protocol.FOLFOX.dose_levels:
        return {f"{prefix}_planned": None for prefix in FOLFOX_PREFIX.values()}
    doses = dosing.planned_folfox_doses(float(bsa), dose_level)
    return {f"{FOLFOX_PREFIX[code]}_planned": Decimal(str(mg)) for code, mg in doses.items()}


def capecitabine_planned_daily(bsa: Decimal | None, dose_level: int | None) -> int | None:
    if bsa is None or dose_level not in protocol.CAPECITABINE.dose_levels:
        return None
    return int(dosing.capecitabine_dose(float(bsa), dose_level).daily_dose_mg)


def capecitabine_compliance(cycle: CapecitabineCycle) -> Decimal | None:
    if cycle.tablets_dispensed is None or cycle.tablets_returned is None:
        return None
    # Doses the patient missed stay in the expected count: compliance measures them.
    plan = dosing.TabletPlan(
        dose_mg=(cycle.daily_dose or 0) // protocol.CAPECITABINE_DOSES_PER_DAY,
        tablets_500=cycle.tablets_500 or 0,
        tablets_150=cycle.tablets_150 or 0,
    )
    expected = dosing.expected_tablets(plan)
    if not expected:
        return None
    value = dosing.capecitabine_compliance(
        tablets_dispensed=cycle.tablets_dispensed,
        tablets_returned=cycle.tablets_returned,
        tablets_expected=expected,
    )
    return Decimal(str(round(value, 1)))


def derive(crf: Crf, *, height_cm: float | None = None) -> None:
    """Fill the form's derived items in place."""
    if isinstance(crf, Eligibility):
        crf.eligible = eligibility_verdict(
            {c: getattr(crf, c) for c in crf.INCLUSION + crf.EXCLUSION}
        )
    elif isinstance(crf, VitalSigns):
        crf.bsa = bsa_or_none(crf.height, crf.weight)
    elif isinstance(crf, FolfoxCycle):
        crf.bsa = bsa_or_none(height_cm, crf.weight)
        for name, value in folfox_planned(crf.bsa, crf.dose_level).items():
            setattr(crf, name, value)
    elif isinstance(crf, AdverseEvent):
        try:
            term = ctcae.term_by_code(crf.aeptcd)
        except KeyError:
            crf.aeterm = crf.aesoc = ""  # the edit check names the unknown code
        else:
            crf.aeterm, crf.aesoc = term.term, term.soc
    elif isinstance(crf, CapecitabineCycle):
        crf.bsa = bsa_or_none(height_cm, crf.weight)
        crf.planned_daily_dose = capecitabine_planned_daily(crf.bsa, crf.dose_level)
        crf.compliance = capecitabine_compliance(crf)
