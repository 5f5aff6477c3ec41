"""Edit checks as tables of cases: each check fires where it should and keeps quiet at the
edge. Pure values, no database."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.utils.text import capfirst

from ecrf import checks, dosing
from ecrf.checks import CHECKS, FormContext, check_form, checks_table_markdown
from ecrf.derivations import bsa_or_none
from ecrf.models import FORMS_BY_CODE, BaselineLabs, CeaTest
from trial.protocol import Arm

HARD, SOFT = True, False
TODAY = date(2026, 1, 15)
CONSENT = date(2025, 1, 10)
RANDOMIZED = date(2025, 2, 3)
FIRST_FOLFOX = date(2025, 2, 10)
PREVIOUS = date(2025, 3, 3)  # start of the previous cycle in the cycle cases
DEATH = date(2025, 11, 20)
BASE = FormContext(
    today=TODAY,
    consent_date=CONSENT,
    birth_year=1960,
    randomization_date=RANDOMIZED,
    arm=Arm.MAINTENANCE,
    first_folfox_date=FIRST_FOLFOX,
    height_cm=170.0,
)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "edit-checks.md"


def days(n: int, after: date = PREVIOUS) -> date:
    return after + timedelta(days=n)


def case(check_id, form, values, expected, name, **ctx):
    """expected: [(item, hard)] for the findings of check_id, [] when it must keep quiet."""
    return pytest.param(check_id, form, values, ctx, expected, id=f"{check_id}-{name}")


def findings(form, values, **ctx):
    return check_form(form, values, replace(BASE, **ctx))


# Dates across forms ---------------------------------------------------------------------

DATE_CASES = [
    case("GEN01", "vital_signs", {"vsdat": days(-1, CONSENT)}, [("vsdat", HARD)], "day-before"),
    case("GEN01", "vital_signs", {"vsdat": CONSENT}, [], "consent-day"),
    case(
        "GEN01",
        "vital_signs",
        {"vsdat": days(-1, CONSENT)},
        [],
        "consent-unknown",
        consent_date=None,
    ),
    case(
        "GEN01",
        "adverse_event",
        {"aestdat": CONSENT, "aeendat": days(-1, CONSENT)},
        [("aeendat", HARD)],
        "ae-end",
    ),
    case("GEN01", "primary_tumour", {"diagdat": date(2023, 5, 1)}, [], "diagnosis-exempt"),
    case("GEN01", "liver_resection", {"prstdat": date(2024, 11, 1)}, [], "surgery-exempt"),
    case(
        "GEN01",
        "medical_history",
        {"mhstdat": date(2010, 1, 1), "mhendat": date(2012, 1, 1)},
        [],
        "history-exempt",
    ),
    case(
        "GEN01",
        "concomitant_medication",
        {"cmstdat": date(2020, 1, 1), "cmendat": date(2024, 12, 1)},
        [],
        "conmed-exempt",
    ),
    case("GEN01", "adverse_event", {"aestdat": days(-1, CONSENT)}, [], "ae-start-is-AE09s"),
    case(
        "GEN01",
        "consent",
        {"dsstdat": days(-5, CONSENT), "icversion_date": date(2024, 6, 1)},
        [],
        "consent-form-own-date",
    ),
    case("GEN01", "eligibility", {"iedat": days(-1, CONSENT)}, [("iedat", HARD)], "eligibility"),
    case("GEN02", "cea", {"lbdat": TODAY}, [], "today"),
    case("GEN02", "cea", {"lbdat": days(1, TODAY)}, [("lbdat", HARD)], "tomorrow"),
    case(
        "GEN02",
        "primary_tumour",
        {"diagdat": days(1, TODAY)},
        [("diagdat", HARD)],
        "exempt-from-consent-not-from-future",
    ),
    case("GEN03", "cea", {"lbdat": DEATH}, [], "death-day", death_date=DEATH),
    case(
        "GEN03", "cea", {"lbdat": days(1, DEATH)}, [("lbdat", HARD)], "day-after", death_date=DEATH
    ),
    case(
        "GEN03",
        "adverse_event",
        {"aestdat": days(1, DEATH)},
        [("aestdat", HARD)],
        "ae-start-after-death",
        death_date=DEATH,
    ),
    case(
        "GEN03",
        "survival",
        {"contact_date": days(10, DEATH), "lkadat": days(1, DEATH)},
        [("lkadat", HARD)],
        "survival-known-alive",
        death_date=DEATH,
    ),
    case(
        "GEN03", "end_of_study", {"dsstdat": days(30, DEATH)}, [], "end-of-study", death_date=DEATH
    ),
    case("GEN03", "cea", {"lbdat": days(1, DEATH)}, [], "no-death"),
    case(
        "AE09",
        "adverse_event",
        {"aestdat": days(-1, CONSENT)},
        [("aestdat", SOFT)],
        "day-before-consent",
    ),
    case("AE09", "adverse_event", {"aestdat": CONSENT}, [], "consent-day"),
]

# Ranges ---------------------------------------------------------------------------------

RANGE_CASES = [
    case("VS01", "vital_signs", {"height": D("99.9")}, [("height", HARD)], "below"),
    case("VS01", "vital_signs", {"height": D("100")}, [], "low-edge"),
    case("VS01", "vital_signs", {"height": D("250")}, [], "high-edge"),
    case("VS01", "vital_signs", {"height": D("250.1")}, [("height", HARD)], "above"),
    case("VS02", "vital_signs", {"height": D("119.9")}, [("height", SOFT)], "below"),
    case("VS02", "vital_signs", {"height": D("120")}, [], "low-edge"),
    case("VS02", "vital_signs", {"height": D("220")}, [], "high-edge"),
    case("VS02", "vital_signs", {"height": D("220.1")}, [("height", SOFT)], "above"),
    case("VS02", "vital_signs", {"height": D("49")}, [], "impossible-is-VS01s"),
    case("VS03", "vital_signs", {"weight": D("24.9")}, [("weight", HARD)], "below"),
    case("VS03", "vital_signs", {"weight": D("25")}, [], "low-edge"),
    case("VS03", "folfox_cycle", {"weight": D("300.1")}, [("weight", HARD)], "folfox-above"),
    case("VS04", "vital_signs", {"weight": D("29.9")}, [("weight", SOFT)], "below"),
    case("VS04", "vital_signs", {"weight": D("30")}, [], "low-edge"),
    case("VS04", "vital_signs", {"weight": D("200")}, [], "high-edge"),
    case("VS04", "capecitabine_cycle", {"weight": D("200.1")}, [("weight", SOFT)], "cape-above"),
    case("VS04", "vital_signs", {"weight": D("19")}, [], "impossible-is-VS03s"),
    case("LB01", "baseline_labs", {"hgb": D("-1")}, [("hgb", HARD)], "negative"),
    case("LB01", "baseline_labs", {"alt": D("0"), "ca199": D("0")}, [], "zero"),
    case("LB01", "cea", {"cea": D("-0.01")}, [("cea", HARD)], "cea-form"),
    case("LB02", "baseline_labs", {"hgb": D("59.9")}, [("hgb", SOFT)], "below"),
    case("LB02", "baseline_labs", {"hgb": D("60")}, [], "low-edge"),
    case("LB02", "baseline_labs", {"hgb": D("200")}, [], "high-edge"),
    case("LB02", "baseline_labs", {"hgb": D("200.1")}, [("hgb", SOFT)], "above"),
    case("LB03", "baseline_labs", {"anc": D("0.49")}, [("anc", SOFT)], "below"),
    case("LB03", "baseline_labs", {"anc": D("0.5")}, [], "low-edge"),
    case("LB03", "baseline_labs", {"anc": D("20")}, [], "high-edge"),
    case("LB03", "baseline_labs", {"anc": D("20.01")}, [("anc", SOFT)], "above"),
    case("LB04", "baseline_labs", {"plt": D("19.9")}, [("plt", SOFT)], "below"),
    case("LB04", "baseline_labs", {"plt": D("20")}, [], "low-edge"),
    case("LB04", "baseline_labs", {"plt": D("1000")}, [], "high-edge"),
    case("LB04", "baseline_labs", {"plt": D("1000.1")}, [("plt", SOFT)], "above"),
    case("LB05", "baseline_labs", {"alt": D("0")}, [], "low-edge"),
    case("LB05", "baseline_labs", {"alt": D("1000")}, [], "high-edge"),
    case("LB05", "baseline_labs", {"alt": D("1000.1")}, [("alt", SOFT)], "above"),
    case("LB05", "baseline_labs", {"alt": D("-1")}, [], "negative-is-LB01s"),
    case("LB06", "baseline_labs", {"ast": D("1000")}, [], "high-edge"),
    case("LB06", "baseline_labs", {"ast": D("1000.1")}, [("ast", SOFT)], "above"),
    case("LB07", "baseline_labs", {"tbil": D("500")}, [], "high-edge"),
    case("LB07", "baseline_labs", {"tbil": D("500.1")}, [("tbil", SOFT)], "above"),
    case("LB08", "baseline_labs", {"creat": D("19.9")}, [("creat", SOFT)], "below"),
    case("LB08", "baseline_labs", {"creat": D("20")}, [], "low-edge"),
    case("LB08", "baseline_labs", {"creat": D("1000")}, [], "high-edge"),
    case("LB08", "baseline_labs", {"creat": D("1000.1")}, [("creat", SOFT)], "above"),
    case("LB09", "baseline_labs", {"cea": D("10000")}, [], "high-edge"),
    case("LB09", "baseline_labs", {"cea": D("10000.01")}, [("cea", SOFT)], "above"),
    case("LB09", "cea", {"cea": D("10001")}, [("cea", SOFT)], "cea-form"),
    case("LR02", "liver_resection", {"lesion_count": 0}, [("lesion_count", SOFT)], "none"),
    case("LR02", "liver_resection", {"lesion_count": 1}, [], "low-edge"),
    case("LR02", "liver_resection", {"lesion_count": 50}, [], "high-edge"),
    case("LR02", "liver_resection", {"lesion_count": 51}, [("lesion_count", SOFT)], "above"),
    case(
        "LR03", "liver_resection", {"largest_lesion_mm": 0}, [("largest_lesion_mm", SOFT)], "below"
    ),
    case("LR03", "liver_resection", {"largest_lesion_mm": 1}, [], "low-edge"),
    case("LR03", "liver_resection", {"largest_lesion_mm": 300}, [], "high-edge"),
    case(
        "LR03",
        "liver_resection",
        {"largest_lesion_mm": 301},
        [("largest_lesion_mm", SOFT)],
        "above",
    ),
]

# Baseline forms -------------------------------------------------------------------------

BASELINE_CASES = [
    case("CO01", "consent", {"dsstdat": CONSENT, "icversion_date": CONSENT}, [], "same-day"),
    case(
        "CO01",
        "consent",
        {"dsstdat": CONSENT, "icversion_date": days(1, CONSENT)},
        [("icversion_date", HARD)],
        "version-after-signature",
    ),
    case("DM01", "demographics", {"brthyy": TODAY.year}, [], "this-year"),
    case("DM01", "demographics", {"brthyy": TODAY.year + 1}, [("brthyy", HARD)], "next-year"),
    case("EL01", "eligibility", {"in01": "Y"}, [("in01", SOFT)], "too-young", birth_year=2008),
    case("EL01", "eligibility", {"in01": "Y"}, [], "maybe-18", birth_year=2007),
    case("EL01", "eligibility", {"in01": "Y"}, [], "maybe-75", birth_year=1949),
    case("EL01", "eligibility", {"in01": "Y"}, [("in01", SOFT)], "too-old", birth_year=1948),
    case("EL01", "eligibility", {"in01": "N"}, [], "answered-no", birth_year=2008),
    case("EL01", "eligibility", {"in01": "Y"}, [], "birth-year-unknown", birth_year=None),
    case("LR01", "liver_resection", {"margin": "R1"}, [("margin", SOFT)], "r1"),
    case("LR01", "liver_resection", {"margin": "R2"}, [("margin", SOFT)], "r2"),
    case("LR01", "liver_resection", {"margin": "R0"}, [], "r0"),
    case("LR04", "liver_resection", {"extrahepatic": True}, [("extrahepatic", SOFT)], "present"),
    case("LR04", "liver_resection", {"extrahepatic": False}, [], "absent"),
    case("PS01", "performance_status", {"ecog": 3, "asa": 4}, [("ecog", SOFT)], "both-fail"),
    case("PS01", "performance_status", {"ecog": 2, "asa": 4}, [], "ecog-2"),
    case("PS01", "performance_status", {"ecog": 3, "asa": 3}, [], "asa-iii"),
    case("PS01", "performance_status", {"ecog": 4, "asa": None}, [], "asa-not-entered"),
    case(
        "MH01",
        "medical_history",
        {"mhstdat": date(2015, 3, 2), "mhendat": date(2015, 3, 1)},
        [("mhendat", HARD)],
        "end-before-start",
    ),
    case(
        "MH01",
        "medical_history",
        {"mhstdat": date(2015, 3, 2), "mhendat": date(2015, 3, 2)},
        [],
        "same-day",
    ),
    case(
        "MH02",
        "medical_history",
        {"mhongo": True, "mhendat": date(2015, 3, 2)},
        [("mhendat", HARD)],
        "ongoing-with-end",
    ),
    case("MH02", "medical_history", {"mhongo": True, "mhendat": None}, [], "ongoing"),
    case(
        "CM01",
        "concomitant_medication",
        {"cmstdat": days(5, CONSENT), "cmendat": days(4, CONSENT)},
        [("cmendat", HARD)],
        "end-before-start",
    ),
    case(
        "CM01",
        "concomitant_medication",
        {"cmstdat": days(5, CONSENT), "cmendat": days(5, CONSENT)},
        [],
        "same-day",
    ),
    case(
        "CM02",
        "concomitant_medication",
        {"cmongo": True, "cmendat": days(5, CONSENT)},
        [("cmendat", HARD)],
        "ongoing-with-end",
    ),
    case(
        "CM02",
        "concomitant_medication",
        {"cmongo": False, "cmendat": days(5, CONSENT)},
        [],
        "stopped",
    ),
    case(
        "CT01",
        "ctdna",
        {"quant_value": D("12.5"), "quant_unit": ""},
        [("quant_unit", HARD)],
        "no-unit",
    ),
    case("CT01", "ctdna", {"quant_value": D("12.5"), "quant_unit": "MTM/mL"}, [], "with-unit"),
    case("CT01", "ctdna", {"quant_value": None, "quant_unit": ""}, [], "no-value"),
    case("CT02", "ctdna", {"quant_value": D("100"), "quant_unit": "VAF %"}, [], "100"),
    case("CT02", "ctdna", {"quant_value": D("0"), "quant_unit": "VAF %"}, [], "0"),
    case(
        "CT02",
        "ctdna",
        {"quant_value": D("100.001"), "quant_unit": "VAF %"},
        [("quant_value", HARD)],
        "above-100",
    ),
    case(
        "CT02",
        "ctdna",
        {"quant_value": D("-0.1"), "quant_unit": "VAF %"},
        [("quant_value", HARD)],
        "negative",
    ),
    case("CT02", "ctdna", {"quant_value": D("150"), "quant_unit": "MTM/mL"}, [], "mtm"),
    case(
        "CT03",
        "ctdna",
        {"quant_value": D("-1"), "quant_unit": "MTM/mL"},
        [("quant_value", HARD)],
        "negative",
    ),
    case("CT03", "ctdna", {"quant_value": D("0"), "quant_unit": "MTM/mL"}, [], "zero"),
    case("CT03", "ctdna", {"quant_value": D("-1"), "quant_unit": "VAF %"}, [], "vaf-is-CT02s"),
    case(
        "CT04",
        "ctdna",
        {"for_randomization": True, "result": "negative"},
        [("result", SOFT)],
        "negative",
    ),
    case("CT04", "ctdna", {"for_randomization": True, "result": "positive"}, [], "positive"),
    case(
        "CT04",
        "ctdna",
        {"for_randomization": False, "result": "negative"},
        [],
        "not-for-randomization",
    ),
]

# Adverse events -------------------------------------------------------------------------

AE_START = date(2025, 4, 1)
AE_CASES = [
    case("AE10", "adverse_event", {"aeptcd": "99999999"}, [("aeptcd", HARD)], "unknown-code"),
    case("AE10", "adverse_event", {"aeptcd": "10002272"}, [], "anemia"),
    # Nausea (10028813) stops at grade 3; Disseminated intravascular coagulation starts at 2.
    case(
        "AE11",
        "adverse_event",
        {"aeptcd": "10028813", "aetoxgr": 4},
        [("aetoxgr", HARD)],
        "nausea-grade-4",
    ),
    case("AE11", "adverse_event", {"aeptcd": "10028813", "aetoxgr": 3}, [], "nausea-grade-3"),
    case(
        "AE11",
        "adverse_event",
        {"aeptcd": "10013442", "aetoxgr": 1},
        [("aetoxgr", HARD)],
        "dic-grade-1",
    ),
    case(
        "AE01",
        "adverse_event",
        {"aestdat": AE_START, "aeendat": days(-1, AE_START)},
        [("aeendat", HARD)],
        "end-before-start",
    ),
    case("AE01", "adverse_event", {"aestdat": AE_START, "aeendat": AE_START}, [], "same-day"),
    case(
        "AE02",
        "adverse_event",
        {"aeongo": True, "aeendat": AE_START},
        [("aeendat", HARD)],
        "ongoing-with-end",
    ),
    case("AE02", "adverse_event", {"aeongo": True, "aeendat": None}, [], "ongoing"),
    case(
        "AE03",
        "adverse_event",
        {"aeongo": False, "aeout": "recovered", "aeendat": None},
        [("aeendat", SOFT)],
        "recovered-no-end",
    ),
    case(
        "AE03",
        "adverse_event",
        {"aeongo": False, "aeout": "sequelae", "aeendat": ""},
        [("aeendat", SOFT)],
        "sequelae-no-end",
    ),
    case(
        "AE03",
        "adverse_event",
        {"aeongo": False, "aeout": "recovered", "aeendat": AE_START},
        [],
        "recovered-with-end",
    ),
    case(
        "AE03",
        "adverse_event",
        {"aeongo": False, "aeout": "recovering", "aeendat": None},
        [],
        "recovering",
    ),
    case("AE04", "adverse_event", {"aeser": True}, [("aeser", HARD)], "no-criterion"),
    case("AE04", "adverse_event", {"aeser": True, "aeshosp": True}, [], "hospitalised"),
    case(
        "AE05",
        "adverse_event",
        {"aeser": False, "aeslife": True},
        [("aeser", HARD)],
        "criterion-not-serious",
    ),
    case("AE05", "adverse_event", {"aeser": False, "aeslife": False}, [], "no-criterion"),
    case(
        "AE06",
        "adverse_event",
        {"aetoxgr": 5, "aeout": "recovered"},
        [("aeout", HARD)],
        "grade-5-recovered",
    ),
    case("AE06", "adverse_event", {"aetoxgr": 5, "aeout": "fatal"}, [], "grade-5-fatal"),
    case("AE06", "adverse_event", {"aetoxgr": 5, "aeout": ""}, [], "outcome-not-entered"),
    case(
        "AE07",
        "adverse_event",
        {"aetoxgr": 4, "aeout": "fatal"},
        [("aetoxgr", HARD)],
        "fatal-grade-4",
    ),
    case("AE07", "adverse_event", {"aetoxgr": 5, "aeout": "fatal"}, [], "fatal-grade-5"),
    case("AE07", "adverse_event", {"aetoxgr": None, "aeout": "fatal"}, [], "grade-not-entered"),
    case(
        "AE08",
        "adverse_event",
        {"aeout": "fatal", "aeser": True, "aeshosp": True},
        [("aesdth", HARD)],
        "fatal-without-death-criterion",
    ),
    case("AE08", "adverse_event", {"aetoxgr": 5}, [("aesdth", HARD)], "grade-5"),
    case(
        "AE08",
        "adverse_event",
        {"aetoxgr": 5, "aeout": "fatal", "aeser": True, "aesdth": True},
        [],
        "fatal-serious",
    ),
]

# Treatment ------------------------------------------------------------------------------

FOLFOX_PLANNED = {
    "oxa_planned": D("150"),
    "lv_planned": D("720"),
    "fub_planned": D("720"),
    "fui_planned": D("4350"),
}
CAPE = {"cycle": 2, "exstdat": days(21), "planned_daily_dose": 3000, "daily_dose": 3000}


def folfox(**values):
    return {"cycle": 2, "exstdat": days(14), "dose_level": 0, **FOLFOX_PLANNED, **values}


TREATMENT_CASES = [
    case(
        "TRT01",
        "folfox_cycle",
        folfox(),
        [("", HARD)],
        "not-randomized",
        randomization_date=None,
        arm=None,
    ),
    case(
        "TRT01",
        "end_of_treatment",
        {},
        [("", HARD)],
        "eot-not-randomized",
        randomization_date=None,
        arm=None,
    ),
    case("TRT01", "folfox_cycle", folfox(), [], "randomized"),
    case(
        "TRT02",
        "folfox_cycle",
        folfox(cycle=1, exstdat=days(-1, RANDOMIZED)),
        [("exstdat", HARD)],
        "folfox-day-before",
    ),
    case("TRT02", "folfox_cycle", folfox(cycle=1, exstdat=RANDOMIZED), [], "randomization-day"),
    case(
        "TRT02",
        "capecitabine_cycle",
        {"exstdat": days(-1, RANDOMIZED)},
        [("exstdat", HARD)],
        "capecitabine",
    ),
    case(
        "TRT02",
        "end_of_treatment",
        {"dsstdat": days(-1, RANDOMIZED)},
        [("dsstdat", HARD)],
        "end-of-treatment",
    ),
    case(
        "CP09", "capecitabine_cycle", CAPE, [("", HARD)], "folfox-alone-arm", arm=Arm.FOLFOX_ALONE
    ),
    case("CP09", "capecitabine_cycle", CAPE, [], "maintenance-arm"),
    case(
        "CP09",
        "capecitabine_cycle",
        CAPE,
        [],
        "not-randomized-is-TRT01s",
        randomization_date=None,
        arm=None,
    ),
    # FOLFOX cycles
    case(
        "FX07",
        "folfox_cycle",
        folfox(exstdat=days(11)),
        [],
        "window-edge",
        previous_cycle_date=PREVIOUS,
    ),
    case(
        "FX07",
        "folfox_cycle",
        folfox(exstdat=days(10)),
        [("exstdat", HARD)],
        "too-early",
        previous_cycle_date=PREVIOUS,
    ),
    case("FX07", "folfox_cycle", folfox(exstdat=days(10)), [], "no-previous-cycle"),
    case(
        "FX08",
        "folfox_cycle",
        folfox(exstdat=days(42), delayed=True),
        [],
        "42-days",
        previous_cycle_date=PREVIOUS,
    ),
    case(
        "FX08",
        "folfox_cycle",
        folfox(exstdat=days(43), delayed=True),
        [("exstdat", SOFT)],
        "43-days",
        previous_cycle_date=PREVIOUS,
    ),
    case("FX09", "folfox_cycle", folfox(cycle=3), [], "next", previous_cycle_number=2),
    case(
        "FX09", "folfox_cycle", folfox(cycle=4), [("cycle", SOFT)], "gap", previous_cycle_number=2
    ),
    case("FX09", "folfox_cycle", folfox(cycle=1), [], "first", previous_cycle_number=None),
    case("FX10", "folfox_cycle", folfox(cycle=1, exstdat=days(28, RANDOMIZED)), [], "28-days"),
    case(
        "FX10",
        "folfox_cycle",
        folfox(cycle=1, exstdat=days(29, RANDOMIZED)),
        [("exstdat", SOFT)],
        "29-days",
    ),
    case("FX10", "folfox_cycle", folfox(cycle=2, exstdat=days(40, RANDOMIZED)), [], "cycle-2"),
    case("FX11", "folfox_cycle", folfox(cycle=12), [], "12"),
    case("FX11", "folfox_cycle", folfox(cycle=13), [("cycle", HARD)], "13"),
    case("FX11", "folfox_cycle", folfox(cycle=0), [("cycle", HARD)], "0"),
    case(
        "FX12",
        "folfox_cycle",
        folfox(exstdat=days(17)),
        [],
        "window-edge",
        previous_cycle_date=PREVIOUS,
    ),
    case(
        "FX12",
        "folfox_cycle",
        folfox(exstdat=days(18)),
        [("delayed", SOFT)],
        "late",
        previous_cycle_date=PREVIOUS,
    ),
    case(
        "FX12",
        "folfox_cycle",
        folfox(exstdat=days(18), delayed=True),
        [],
        "marked-delayed",
        previous_cycle_date=PREVIOUS,
    ),
    # FOLFOX doses
    case("FX01", "folfox_cycle", folfox(oxa_exdose=D("135")), [], "exactly-minus-10-percent"),
    case(
        "FX01",
        "folfox_cycle",
        folfox(oxa_exdose=D("134.85")),
        [("oxa_exdose", HARD)],
        "minus-10.1-percent",
    ),
    case("FX01", "folfox_cycle", folfox(oxa_exdose=D("165")), [], "exactly-plus-10-percent"),
    case(
        "FX01",
        "folfox_cycle",
        folfox(oxa_exdose=D("165.15")),
        [("oxa_exdose", HARD)],
        "plus-10.1-percent",
    ),
    case("FX01", "folfox_cycle", folfox(fui_exdose=D("3900")), [("fui_exdose", HARD)], "infusion"),
    case(
        "FX01", "folfox_cycle", folfox(lv_exdose=D("0")), [("lv_exdose", HARD)], "zero-not-omitted"
    ),
    case(
        "FX01",
        "folfox_cycle",
        folfox(oxa_exdose=D("100"), deviation_reason="Neuropathy"),
        [],
        "reason-given",
    ),
    case("FX01", "folfox_cycle", folfox(oxa_exdose=D("0"), oxa_omitted=True), [], "omitted"),
    case(
        "FX01", "folfox_cycle", folfox(oxa_planned=None, oxa_exdose=D("100")), [], "planned-unknown"
    ),
    case(
        "FX02",
        "folfox_cycle",
        folfox(lv_omitted=True, lv_exdose=D("720")),
        [("lv_exdose", HARD)],
        "omitted-with-dose",
    ),
    case("FX02", "folfox_cycle", folfox(lv_omitted=True, lv_exdose=D("0")), [], "omitted-zero"),
    case("FX02", "folfox_cycle", folfox(lv_omitted=True, lv_exdose=None), [], "omitted-empty"),
    case(
        "FX03",
        "folfox_cycle",
        folfox(delayed=True, delay_reason="toxicity"),
        [("delay_days", HARD)],
        "no-days",
    ),
    case(
        "FX03",
        "folfox_cycle",
        folfox(delayed=True, delay_days=0, delay_reason="toxicity"),
        [("delay_days", HARD)],
        "zero-days",
    ),
    case(
        "FX03",
        "folfox_cycle",
        folfox(delayed=True, delay_days=7, delay_reason="toxicity"),
        [],
        "seven-days",
    ),
    case("FX03", "folfox_cycle", folfox(delayed=False), [], "not-delayed"),
    case(
        "FX04",
        "folfox_cycle",
        folfox(delayed=True, delay_days=7, delay_reason=""),
        [("delay_reason", HARD)],
        "no-reason",
    ),
    case(
        "FX04",
        "folfox_cycle",
        folfox(delayed=True, delay_days=7, delay_reason="patient"),
        [],
        "reason-given",
    ),
    case(
        "FX05",
        "folfox_cycle",
        folfox(reduced=True, dose_level=-1),
        [("reduction_reason", SOFT)],
        "no-reason",
    ),
    case(
        "FX05",
        "folfox_cycle",
        folfox(reduced=True, dose_level=-1, reduction_reason="neuropathy"),
        [],
        "reason-given",
    ),
    case(
        "FX06",
        "folfox_cycle",
        folfox(reduced=True, dose_level=0, oxa_exdose=D("150")),
        [("dose_level", SOFT)],
        "full-dose",
    ),
    case("FX06", "folfox_cycle", folfox(reduced=True, dose_level=-1), [], "level-minus-1"),
    case(
        "FX06",
        "folfox_cycle",
        folfox(reduced=True, dose_level=0, oxa_exdose=D("140")),
        [],
        "oxaliplatin-below-planned",
    ),
    case("FX06", "folfox_cycle", folfox(reduced=False, dose_level=0), [], "not-reduced"),
    # Capecitabine cycles
    case(
        "CP01",
        "capecitabine_cycle",
        {**CAPE, "exendat": days(20)},
        [("exendat", HARD)],
        "end-before-start",
    ),
    case("CP01", "capecitabine_cycle", {**CAPE, "exendat": days(21)}, [], "one-day"),
    case(
        "CP02",
        "capecitabine_cycle",
        {**CAPE, "tablets_500": 3, "tablets_150": 0},
        [],
        "1500-twice-daily",
    ),
    case(
        "CP02",
        "capecitabine_cycle",
        {**CAPE, "tablets_500": 2, "tablets_150": 3},
        [("tablets_500", HARD)],
        "1450-twice-daily",
    ),
    case(
        "CP02",
        "capecitabine_cycle",
        {**CAPE, "tablets_500": 3, "tablets_150": None},
        [],
        "small-tablets-not-entered",
    ),
    case(
        "CP02",
        "capecitabine_cycle",
        {**CAPE, "tablets_500": None, "tablets_150": None},
        [],
        "no-tablets-entered",
    ),
    case(
        "CP03",
        "capecitabine_cycle",
        {"tablets_dispensed": 84, "tablets_returned": 84},
        [],
        "all-returned",
    ),
    case(
        "CP03",
        "capecitabine_cycle",
        {"tablets_dispensed": 84, "tablets_returned": 85},
        [("tablets_returned", HARD)],
        "more-returned",
    ),
    case(
        "CP04", "capecitabine_cycle", {**CAPE, "daily_dose": 2700}, [], "exactly-minus-10-percent"
    ),
    case(
        "CP04", "capecitabine_cycle", {**CAPE, "daily_dose": 2699}, [("daily_dose", HARD)], "below"
    ),
    case("CP04", "capecitabine_cycle", {**CAPE, "daily_dose": 3300}, [], "exactly-plus-10-percent"),
    case(
        "CP04", "capecitabine_cycle", {**CAPE, "daily_dose": 3301}, [("daily_dose", HARD)], "above"
    ),
    case(
        "CP04",
        "capecitabine_cycle",
        {**CAPE, "daily_dose": 2000, "deviation_reason": "Hand-foot syndrome"},
        [],
        "reason-given",
    ),
    case(
        "CP05",
        "capecitabine_cycle",
        {**CAPE, "exstdat": days(18)},
        [],
        "window-edge",
        previous_cycle_date=PREVIOUS,
    ),
    case(
        "CP05",
        "capecitabine_cycle",
        {**CAPE, "exstdat": days(17)},
        [("exstdat", HARD)],
        "too-early",
        previous_cycle_date=PREVIOUS,
    ),
    case(
        "CP06",
        "capecitabine_cycle",
        {**CAPE, "exstdat": days(49)},
        [],
        "49-days",
        previous_cycle_date=PREVIOUS,
    ),
    case(
        "CP06",
        "capecitabine_cycle",
        {**CAPE, "exstdat": days(50)},
        [("exstdat", SOFT)],
        "50-days",
        previous_cycle_date=PREVIOUS,
    ),
    case("CP07", "capecitabine_cycle", {**CAPE, "cycle": 2}, [], "next", previous_cycle_number=1),
    case(
        "CP07",
        "capecitabine_cycle",
        {**CAPE, "cycle": 3},
        [("cycle", SOFT)],
        "gap",
        previous_cycle_number=1,
    ),
    case("CP08", "capecitabine_cycle", {**CAPE, "cycle": 17}, [], "17"),
    case("CP08", "capecitabine_cycle", {**CAPE, "cycle": 18}, [("cycle", HARD)], "18"),
    case(
        "CP10",
        "capecitabine_cycle",
        {**CAPE, "exstdat": FIRST_FOLFOX},
        [("exstdat", HARD)],
        "same-day-as-folfox",
    ),
    case(
        "CP10",
        "capecitabine_cycle",
        {**CAPE, "exstdat": days(1, FIRST_FOLFOX)},
        [],
        "day-after-folfox",
    ),
    case(
        "CP11",
        "capecitabine_cycle",
        {**CAPE, "cycle": 1, "exstdat": days(161, FIRST_FOLFOX)},
        [],
        "earliest",
    ),
    case(
        "CP11",
        "capecitabine_cycle",
        {**CAPE, "cycle": 1, "exstdat": days(160, FIRST_FOLFOX)},
        [("exstdat", SOFT)],
        "too-early",
    ),
    case(
        "CP11",
        "capecitabine_cycle",
        {**CAPE, "cycle": 1, "exstdat": days(182, FIRST_FOLFOX)},
        [],
        "latest",
    ),
    case(
        "CP11",
        "capecitabine_cycle",
        {**CAPE, "cycle": 1, "exstdat": days(183, FIRST_FOLFOX)},
        [("exstdat", SOFT)],
        "too-late",
    ),
    case(
        "CP11",
        "capecitabine_cycle",
        {**CAPE, "cycle": 2, "exstdat": days(100, FIRST_FOLFOX)},
        [],
        "cycle-2",
    ),
    case("CP12", "capecitabine_cycle", {**CAPE, "exendat": days(21 + 13)}, [], "14-days"),
    case(
        "CP12",
        "capecitabine_cycle",
        {**CAPE, "exendat": days(21 + 14)},
        [("exendat", SOFT)],
        "15-days",
    ),
]

# Outcomes -------------------------------------------------------------------------------

CONTACT = date(2025, 12, 1)
OUTCOME_CASES = [
    case("SV01", "survival", {"contact_date": CONTACT, "lkadat": CONTACT}, [], "same-day"),
    case(
        "SV01",
        "survival",
        {"contact_date": CONTACT, "lkadat": days(1, CONTACT)},
        [("lkadat", HARD)],
        "after-contact",
    ),
    case("SV02", "survival", {"vital_status": "dead"}, [("vital_status", SOFT)], "no-death-form"),
    case("SV02", "survival", {"vital_status": "dead"}, [], "death-form", death_date=DEATH),
    case(
        "SV03",
        "survival",
        {"vital_status": "alive", "contact_date": days(1, DEATH)},
        [("vital_status", HARD)],
        "alive-after-death",
        death_date=DEATH,
    ),
    case(
        "SV03",
        "survival",
        {"vital_status": "alive", "contact_date": DEATH},
        [],
        "alive-on-death-day",
        death_date=DEATH,
    ),
    case(
        "SV03",
        "survival",
        {"vital_status": "dead", "contact_date": days(1, DEATH)},
        [],
        "dead-after-death",
        death_date=DEATH,
    ),
    case(
        "DT01",
        "death",
        {"dthdat": days(-1, CONTACT)},
        [("dthdat", SOFT)],
        "before-last-known-alive",
        last_contact_date=CONTACT,
    ),
    case(
        "DT01", "death", {"dthdat": CONTACT}, [], "on-last-known-alive", last_contact_date=CONTACT
    ),
    case("ES01", "end_of_treatment", {"dsdecod": "death"}, [("dsdecod", SOFT)], "eot-no-death"),
    case("ES01", "end_of_study", {"dsdecod": "death"}, [("dsdecod", SOFT)], "eos-no-death"),
    case("ES01", "end_of_study", {"dsdecod": "death"}, [], "death-form", death_date=DEATH),
    case("ES01", "end_of_study", {"dsdecod": "completed"}, [], "completed"),
    case(
        "RC01",
        "recurrence",
        {"rsdat": days(-1, RANDOMIZED), "site_liver": True},
        [("rsdat", SOFT)],
        "before-randomization",
    ),
    case("RC01", "recurrence", {"rsdat": RANDOMIZED, "site_liver": True}, [], "randomization-day"),
    case("RC02", "recurrence", {"rsdat": CONTACT}, [("site_liver", SOFT)], "no-site"),
    case("RC02", "recurrence", {"rsdat": CONTACT, "site_lung": True}, [], "lung"),
    case(
        "RC02",
        "tumour_assessment",
        {"recurrence": True},
        [("site_liver", SOFT)],
        "assessment-no-site",
    ),
    case("RC02", "tumour_assessment", {"recurrence": False}, [], "no-recurrence"),
]

ALL_CASES = DATE_CASES + RANGE_CASES + BASELINE_CASES + AE_CASES + TREATMENT_CASES + OUTCOME_CASES


@pytest.mark.parametrize(("check_id", "form", "values", "ctx", "expected"), ALL_CASES)
def test_check(check_id, form, values, ctx, expected):
    fired = [(f.field, f.hard) for f in findings(form, values, **ctx) if f.check_id == check_id]
    assert fired == expected


@pytest.mark.parametrize(("check_id", "form", "values", "ctx", "expected"), ALL_CASES)
def test_findings_sit_next_to_an_item_of_the_form(check_id, form, values, ctx, expected):
    items = {f.name for f in FORMS_BY_CODE[form].item_fields()} | {""}
    for finding in findings(form, values, **ctx):
        assert finding.field in items
        assert isinstance(finding.message, str) and finding.message


def _all_checks():
    unique = {id(c): c for form_checks in CHECKS.values() for c in form_checks}
    return list(unique.values())


def test_every_check_has_a_unique_id():
    ids = [c.check_id for c in _all_checks()]
    assert len(ids) == len(set(ids))


def test_every_check_fires_in_a_case_and_keeps_quiet_in_another():
    fires = {p.values[0] for p in ALL_CASES if p.values[4]}
    quiet = {p.values[0] for p in ALL_CASES if not p.values[4]}
    ids = {c.check_id for c in _all_checks()}
    assert ids - fires == set()
    assert ids - quiet == set()
    assert (fires | quiet) - ids == set()


def test_every_form_has_an_entry_and_the_date_checks():
    assert set(CHECKS) == set(FORMS_BY_CODE)
    for form_checks in CHECKS.values():
        assert {"GEN01", "GEN02"} <= {c.check_id for c in form_checks}


def test_an_unknown_form_is_refused():
    with pytest.raises(ValueError, match="no_such_form"):
        check_form("no_such_form", {}, BASE)


# Forms as a site fills them -------------------------------------------------------------

SERIOUS_NONE = {c: False for c in ("aesdth", "aeslife", "aeshosp", "aesdisab", "aescong", "aesmie")}
NO_SITES = {s: False for s in checks.RECURRENCE_SITE_ITEMS}
VALID_FORMS = {
    "consent": {"dsstdat": CONSENT, "icversion": "2.1", "icversion_date": date(2024, 9, 1)},
    "demographics": {"sex": "F", "brthyy": 1960, "ethnic": "han"},
    "eligibility": {
        "iedat": days(3, CONSENT),
        **{f"in{n:02d}": "Y" for n in range(1, 6)},
        **{f"ex{n:02d}": "N" for n in range(1, 11)},
        "eligible": True,
    },
    "medical_history": {"mhterm": "Hypertension", "mhstdat": date(2015, 1, 1), "mhongo": True},
    "primary_tumour": {"diagdat": date(2023, 3, 1), "location": "sigmoid", "tnm_t": "T3"},
    "liver_resection": {
        "timing": "metachronous",
        "lesion_count": 3,
        "largest_lesion_mm": 42,
        "prstdat": date(2024, 12, 2),
        "margin": "R0",
        "ablation": False,
        "extrahepatic": False,
    },
    "performance_status": {"qsdat": days(2, CONSENT), "ecog": 1, "asa": 2},
    "baseline_labs": {
        "lbdat": days(2, CONSENT),
        "hgb": D("128.0"),
        "anc": D("3.40"),
        "plt": D("245.0"),
        "alt": D("22.0"),
        "ast": D("25.0"),
        "tbil": D("11.2"),
        "creat": D("71.0"),
        "cea": D("4.20"),
        "ca199": D("18.0"),
    },
    "vital_signs": {"vsdat": days(2, CONSENT), "height": D("168.0"), "weight": D("64.5")},
    "ctdna": {
        "bsdat": days(4, CONSENT),
        "timepoint": "post_surgery",
        "result": "positive",
        "quant_value": D("0.35"),
        "quant_unit": "VAF %",
        "for_randomization": True,
    },
    "folfox_cycle": folfox(
        weight=D("64.0"),
        bsa=D("1.74"),
        oxa_exdose=D("150"),
        lv_exdose=D("720"),
        fub_exdose=D("720"),
        fui_exdose=D("4350"),
        oxa_omitted=False,
        delayed=False,
        delay_days=None,
        delay_reason="",
        reduced=False,
        reduction_reason="",
        deviation_reason="",
    ),
    "capecitabine_cycle": {
        **CAPE,
        "exendat": days(21 + 13),
        "weight": D("63.0"),
        "dose_level": 0,
        "tablets_500": 3,
        "tablets_150": 0,
        "tablets_dispensed": 84,
        "tablets_returned": 2,
        "doses_missed": 1,
        "deviation_reason": "",
    },
    "end_of_treatment": {"dsstdat": date(2025, 9, 1), "dsdecod": "completed", "dsterm": ""},
    "adverse_event": {
        "aeptcd": "10028813",
        "aetoxgr": 2,
        "aestdat": AE_START,
        "aeongo": False,
        "aeendat": days(5, AE_START),
        "aeser": False,
        **SERIOUS_NONE,
        "aeout": "recovered",
    },
    "concomitant_medication": {"cmtrt": "Ondansetron", "cmstdat": AE_START, "cmongo": True},
    "tumour_assessment": {
        "trdat": date(2025, 5, 5),
        "new_lesions": False,
        "recurrence": False,
        **NO_SITES,
    },
    "cea": {"lbdat": date(2025, 5, 5), "cea": D("3.10")},
    "recurrence": {
        "rsdat": date(2025, 10, 1),
        "confirmed_by": "imaging",
        **NO_SITES,
        "site_liver": True,
    },
    "subsequent_therapy": {
        "therapy_type": "chemotherapy",
        "cmtrt": "FOLFIRI",
        "cmstdat": date(2025, 10, 20),
    },
    "survival": {"contact_date": CONTACT, "vital_status": "alive", "lkadat": CONTACT},
    "death": {"dthdat": DEATH, "cause": "disease"},
    "protocol_deviation": {
        "dvstdat": date(2025, 3, 1),
        "dvcat": "visit_window",
        "severity": "minor",
        "dvterm": "Cycle 2 three days late",
    },
    "end_of_study": {"dsstdat": DEATH, "dsdecod": "death"},
}
VALID_CONTEXT = {
    "folfox_cycle": {"previous_cycle_date": PREVIOUS, "previous_cycle_number": 1},
    "capecitabine_cycle": {"previous_cycle_date": PREVIOUS, "previous_cycle_number": 1},
    "death": {"last_contact_date": days(-10, DEATH)},
    "end_of_study": {"death_date": DEATH},
}


def test_every_form_has_a_valid_example():
    assert set(VALID_FORMS) == set(FORMS_BY_CODE)


@pytest.mark.parametrize("form", sorted(VALID_FORMS))
def test_a_plausible_form_has_no_findings(form):
    assert findings(form, VALID_FORMS[form], **VALID_CONTEXT.get(form, {})) == []


def _odd_values(names):
    odd = ["x", [1], float("nan"), {}, object(), "2025-13-45"]
    return {name: odd[i % len(odd)] for i, name in enumerate(names)}


@pytest.mark.parametrize("form", sorted(FORMS_BY_CODE))
@pytest.mark.parametrize("kind", ["empty", "none", "blank", "odd"])
def test_items_not_entered_or_of_odd_types_are_skipped(form, kind):
    names = [f.name for f in FORMS_BY_CODE[form].item_fields()]
    values = {
        "empty": {},
        "none": dict.fromkeys(names),
        "blank": dict.fromkeys(names, ""),
        "odd": _odd_values(names),
    }[kind]
    ctx = FormContext(today=TODAY)
    # Only the not-randomized rule speaks (it needs no items), and AE10 about a term code
    # that is text but no CTCAE code ("x").
    allowed = {"TRT01"} | ({"AE10"} if kind == "odd" else set())
    assert {f.check_id for f in check_form(form, values, ctx)} <= allowed


def test_an_adverse_event_after_the_last_contact_is_fine():
    values = {
        **VALID_FORMS["adverse_event"],
        "aestdat": days(1, CONTACT),
        "aeendat": None,
        "aeongo": True,
        "aeout": "recovering",
    }
    assert findings("adverse_event", values, last_contact_date=CONTACT) == []


# Messages -------------------------------------------------------------------------------


def _message(check_id, form, values, **ctx):
    (finding,) = [f for f in findings(form, values, **ctx) if f.check_id == check_id]
    return finding.message


def test_range_message_names_value_range_and_unit():
    message = _message("LB02", "baseline_labs", {"hgb": D("55.0")})
    assert "55 g/L" in message
    assert "60 g/L" in message and "200 g/L" in message


def test_impossible_height_message_names_the_limits():
    message = _message("VS01", "vital_signs", {"height": D("17.5")})
    assert "17.5 cm" in message and "100 cm" in message and "250 cm" in message


def test_tablet_message_shows_the_dose_the_tablets_give():
    message = _message("CP02", "capecitabine_cycle", {**CAPE, "tablets_500": 2, "tablets_150": 3})
    assert "1450 mg" in message and "2900 mg/day" in message and "3000 mg/day" in message


def test_dose_deviation_message_shows_doses_and_percent():
    message = _message("FX01", "folfox_cycle", folfox(oxa_exdose=D("120")))
    assert "Oxaliplatin" in message and "120 mg" in message and "150 mg" in message
    assert "-20.0 %" in message


def test_cycle_too_early_message_gives_the_earliest_date():
    message = _message(
        "FX07", "folfox_cycle", folfox(exstdat=days(9)), previous_cycle_date=PREVIOUS
    )
    assert days(11).isoformat() in message


def test_lab_units_are_those_the_forms_show():
    assert {k: checks.LAB_UNITS[k] for k in BaselineLabs.UNITS} == BaselineLabs.UNITS
    assert checks.LAB_UNITS["cea"] == CeaTest.UNITS["cea"]


LAB_ITEMS = [
    (form, item) for form in ("baseline_labs", "cea") for item in FORMS_BY_CODE[form].UNITS
]


@pytest.mark.parametrize("form, item", LAB_ITEMS)
def test_lab_message_names_the_item_and_unit_as_the_form_shows_them(form, item):
    model = FORMS_BY_CODE[form]
    label = capfirst(str(model._meta.get_field(item).verbose_name))
    message = _message("LB01", form, {item: D("-1")})
    assert message == f"{label} cannot be negative (-1 {model.unit_of(item)})."


# Body measures: the hard checks refuse exactly what the BSA formula cannot take ----------


@pytest.mark.parametrize("height", ["49.9", "50", "90", "99.9", "100", "170", "250", "250.1"])
def test_hard_height_check_refuses_exactly_the_heights_without_a_bsa(height):
    refused = "VS01" in {f.check_id for f in findings("vital_signs", {"height": D(height)})}
    assert refused == (bsa_or_none(D(height), D("70")) is None)


@pytest.mark.parametrize("weight", ["19.9", "20", "24.9", "25", "70", "300", "300.1"])
def test_hard_weight_check_refuses_exactly_the_weights_without_a_bsa(weight):
    refused = "VS03" in {f.check_id for f in findings("vital_signs", {"weight": D(weight)})}
    assert refused == (bsa_or_none(D("170"), D(weight)) is None)


def test_a_height_of_90_cm_is_refused_with_the_limits_the_bsa_formula_uses():
    low, high = dosing.HEIGHT_RANGE_CM
    message = _message("VS01", "vital_signs", {"height": D("90")})
    assert "90 cm" in message and f"{low} cm" in message and f"{high} cm" in message


# The table of checks --------------------------------------------------------------------


def test_docs_table_lists_every_check():
    table = checks_table_markdown()
    for c in _all_checks():
        assert f"| {c.check_id} |" in table


def test_committed_docs_match_the_registry():
    regenerate = (
        'regenerate with: SECRET_KEY=x .venv/bin/python manage.py shell -c "from pathlib '
        "import Path; from ecrf.checks import checks_table_markdown as t; "
        "Path('docs/edit-checks.md').write_text(t())\""
    )
    assert DOCS.read_text(encoding="utf-8") == checks_table_markdown(), regenerate
