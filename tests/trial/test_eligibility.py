"""The eligibility predicates as tables: True eligible, False not, None the facts cannot tell."""

from datetime import date

import pytest

from trial.eligibility import (
    age_eligible,
    ages_at_consent,
    performance_eligible,
    resection_eligible,
)

CONSENT = date(2026, 3, 1)


def test_age_at_consent_is_known_to_one_year():
    assert ages_at_consent(birth_year=1970, consent_date=CONSENT) == (55, 56)


@pytest.mark.parametrize(
    "birth_year, consent_date, eligible",
    [
        (2009, CONSENT, False),  # 16 or 17
        (2008, CONSENT, None),  # 17 or 18
        (2007, CONSENT, True),  # 18 or 19
        (1970, CONSENT, True),
        (1951, CONSENT, True),  # 74 or 75
        (1950, CONSENT, None),  # 75 or 76
        (1949, CONSENT, False),  # 76 or 77
        (None, CONSENT, None),
        (1970, None, None),
    ],
)
def test_age_eligible(birth_year, consent_date, eligible):
    assert age_eligible(birth_year=birth_year, consent_date=consent_date) is eligible


@pytest.mark.parametrize(
    "margin, eligible",
    [("R0", True), ("r0 ", True), ("R1", False), ("R2", False), ("", None), (None, None)],
)
def test_resection_eligible(margin, eligible):
    assert resection_eligible(margin) is eligible


@pytest.mark.parametrize(
    "ecog, asa, eligible",
    [
        (2, 4, True),  # ECOG 2 is enough
        (3, 3, True),  # ASA III is enough
        (0, None, True),
        (None, 1, True),
        (3, 4, False),
        (5, 5, False),
        (3, None, None),  # ASA, once recorded, may still make the patient eligible
        (None, 4, None),
        (None, None, None),
    ],
)
def test_performance_eligible(ecog, asa, eligible):
    assert performance_eligible(ecog=ecog, asa=asa) is eligible
