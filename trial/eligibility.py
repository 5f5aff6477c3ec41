"""Eligibility from the recorded facts (pure): age at consent, resection margin and
performance status, with the limits of trial/protocol.py.

The randomization gate and the edit checks (EL01, LR01, PS01) both ask these questions, so
they cannot disagree. Each answer is True (eligible), False (not eligible) or None (the
facts cannot tell). The gate randomizes only on True, or on None where the investigator's
answer to the criterion decides; a check flags only False.
"""

from datetime import date

from trial import protocol


def ages_at_consent(*, birth_year: int, consent_date: date) -> tuple[int, int]:
    """(youngest, oldest): the age at consent before and on or after the birthday of the
    consent year. Only the year of birth is stored, so the age is known to one year."""
    oldest = consent_date.year - birth_year
    return oldest - 1, oldest


def age_eligible(*, birth_year: int | None, consent_date: date | None) -> bool | None:
    """IN01: AGE_MIN to AGE_MAX years at consent, inclusive.

    None when either is not recorded, or when the year of birth puts the age on both sides
    of a limit: then IN01, answered from the full date of birth in the source, decides.
    """
    if birth_year is None or consent_date is None:
        return None
    youngest, oldest = ages_at_consent(birth_year=birth_year, consent_date=consent_date)
    if oldest < protocol.AGE_MIN or youngest > protocol.AGE_MAX:
        return False
    if protocol.AGE_MIN <= youngest and oldest <= protocol.AGE_MAX:
        return True
    return None


def resection_eligible(margin: str | None) -> bool | None:
    """IN02: an R0 resection, with or without ablation; None when the margin is not recorded."""
    margin = (margin or "").strip().upper()
    if not margin:
        return None
    return margin == "R0"


def performance_eligible(*, ecog: int | None, asa: int | None) -> bool | None:
    """IN04, "ASA < IV and/or ECOG <= 2": one of the two is enough.

    False only when both are recorded and both fail; None when the one not recorded could
    still make the patient eligible.
    """
    if ecog is not None and ecog <= protocol.ECOG_MAX:
        return True
    if asa is not None and asa < protocol.ASA_BELOW:
        return True
    if ecog is None or asa is None:
        return None
    return False
