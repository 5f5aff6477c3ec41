"""The randomization gate and the eligibility edit checks decide eligibility with the same
predicates (trial.eligibility), so the same facts get the same answer from both: the gate
refuses for a recorded fact exactly when the check flags it. Pure values, no database."""

from dataclasses import replace

import pytest

from ecrf.checks import FormContext, check_form
from tests.trial.test_randomization_rules import eligible_facts
from trial.eligibility import ages_at_consent
from trial.randomization import RefusalCode, randomization_refusals

CONSENT = eligible_facts().consent_date  # 2026-03-01
BASE = FormContext(today=eligible_facts().today, consent_date=CONSENT)


def gate_refuses(code: RefusalCode, **facts) -> bool:
    return code in {r.code for r in randomization_refusals(eligible_facts(**facts))}


def check_flags(check_id: str, form: str, values: dict, **ctx) -> bool:
    return check_id in {f.check_id for f in check_form(form, values, replace(BASE, **ctx))}


AGES = [  # year of birth, age at consent before and on the birthday, both refuse
    pytest.param(2009, (16, 17), True, id="16-17: too young either way"),
    pytest.param(2008, (17, 18), False, id="17-18: IN01 decides"),
    pytest.param(2007, (18, 19), False, id="18-19"),
    pytest.param(1951, (74, 75), False, id="74-75"),
    pytest.param(1950, (75, 76), False, id="75-76: IN01 decides"),
    pytest.param(1949, (76, 77), True, id="76-77: too old either way"),
]


@pytest.mark.parametrize("birth_year, ages, refused", AGES)
def test_gate_and_el01_agree_on_the_age(birth_year, ages, refused):
    assert ages_at_consent(birth_year=birth_year, consent_date=CONSENT) == ages
    assert gate_refuses(RefusalCode.AGE_OUT_OF_RANGE, birth_year=birth_year) is refused
    assert check_flags("EL01", "eligibility", {"in01": "Y"}, birth_year=birth_year) is refused


@pytest.mark.parametrize("birth_year", range(1940, 2015))
def test_gate_and_el01_agree_on_every_year_of_birth(birth_year):
    assert gate_refuses(RefusalCode.AGE_OUT_OF_RANGE, birth_year=birth_year) == check_flags(
        "EL01", "eligibility", {"in01": "Y"}, birth_year=birth_year
    )


@pytest.mark.parametrize("margin, refused", [("R0", False), ("R1", True), ("R2", True)])
def test_gate_and_lr01_agree_on_the_margin(margin, refused):
    assert gate_refuses(RefusalCode.RESECTION_NOT_R0, resection_margin=margin) is refused
    assert check_flags("LR01", "liver_resection", {"margin": margin}) is refused


@pytest.mark.parametrize("ecog", range(6))
@pytest.mark.parametrize("asa", range(1, 6))
def test_gate_and_ps01_agree_on_performance_status(ecog, asa):
    refused = ecog > 2 and asa >= 4  # IN04: ASA < IV and/or ECOG <= 2
    assert gate_refuses(RefusalCode.PERFORMANCE_STATUS, ecog=ecog, asa=asa) is refused
    values = {"ecog": ecog, "asa": asa}
    assert check_flags("PS01", "performance_status", values) is refused
