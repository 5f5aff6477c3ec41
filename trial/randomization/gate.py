"""The randomization gate (pure): every reason a patient cannot be randomized now."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from django.utils.translation import gettext as _

from trial import protocol
from trial.eligibility import (
    age_eligible,
    ages_at_consent,
    performance_eligible,
    resection_eligible,
)
from trial.models import Patient, PatientStatus


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class RefusalCode(StrEnum):
    CONSENT_MISSING = "consent_missing"
    CONSENT_AFTER_TODAY = "consent_after_today"
    INCLUSION_NOT_MET = "inclusion_not_met"
    EXCLUSION_NOT_RULED_OUT = "exclusion_not_ruled_out"
    AGE_UNKNOWN = "age_unknown"
    AGE_OUT_OF_RANGE = "age_out_of_range"
    RESECTION_NOT_R0 = "resection_not_r0"
    PERFORMANCE_STATUS = "performance_status"
    CTDNA_NOT_POSITIVE = "ctdna_not_positive"
    ALREADY_RANDOMIZED = "already_randomized"
    ENTERED_IN_ERROR = "entered_in_error"
    NOT_IN_SCREENING = "not_in_screening"


@dataclass(frozen=True)
class Refusal:
    """Why a patient cannot be randomized; criterion names IN01...EX10 when one failed."""

    code: RefusalCode
    message: str
    criterion: str = ""


@dataclass(frozen=True, kw_only=True)
class RandomizationFacts:
    """What the CRFs say about a patient at randomization, as plain values.

    Anything not recorded is None (or missing from the answers) and refuses randomization.
    """

    consent_date: date | None = None
    today: date
    inclusion: Mapping[str, str] = field(default_factory=dict)  # "IN01" -> yes/no/unknown
    exclusion: Mapping[str, str] = field(default_factory=dict)  # "EX01" -> yes/no/unknown
    birth_year: int | None = None
    resection_margin: str | None = None  # "R0", "R1", "R2"
    ablation_used: bool | None = None  # ablation may complete an R0 resection
    ecog: int | None = None  # 0-5
    asa: int | None = None  # ASA physical status 1-6 (I-VI)
    postoperative_ctdna_positive: bool | None = None
    already_randomized: bool = False


ASA_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}


def randomization_refusals(facts: RandomizationFacts) -> list[Refusal]:
    """Every reason the patient cannot be randomized now; empty when they can."""
    refusals: list[Refusal] = []
    if facts.consent_date is None:
        refusals.append(
            Refusal(
                RefusalCode.CONSENT_MISSING,
                _("Informed consent is not recorded with its date."),
            )
        )
    elif facts.consent_date > facts.today:
        refusals.append(
            Refusal(
                RefusalCode.CONSENT_AFTER_TODAY,
                _("The date of informed consent (%(consent)s) is after today (%(today)s).")
                % {"consent": facts.consent_date.isoformat(), "today": facts.today.isoformat()},
            )
        )
    for code, text in protocol.INCLUSION_CRITERIA:
        answer = _answer(facts.inclusion.get(code))
        if answer != Answer.YES:
            refusals.append(
                Refusal(
                    RefusalCode.INCLUSION_NOT_MET,
                    _("Inclusion criterion %(code)s is not met (answer: %(answer)s): %(text)s.")
                    % {"code": code, "answer": _answer_label(answer), "text": text.rstrip(".")},
                    criterion=code,
                )
            )
    for code, text in protocol.EXCLUSION_CRITERIA:
        answer = _answer(facts.exclusion.get(code))
        if answer != Answer.NO:
            refusals.append(
                Refusal(
                    RefusalCode.EXCLUSION_NOT_RULED_OUT,
                    _(
                        "Exclusion criterion %(code)s is not ruled out (answer: %(answer)s): "
                        "%(text)s."
                    )
                    % {"code": code, "answer": _answer_label(answer), "text": text.rstrip(".")},
                    criterion=code,
                )
            )
    refusals += _age_refusals(facts)
    refusals += _resection_refusals(facts)
    refusals += _performance_refusals(facts)
    if facts.postoperative_ctdna_positive is not True:
        refusals.append(
            Refusal(
                RefusalCode.CTDNA_NOT_POSITIVE,
                _("The postoperative ctDNA result is negative; it must be positive.")
                if facts.postoperative_ctdna_positive is False
                else _("No postoperative ctDNA result is recorded; it must be positive."),
            )
        )
    if facts.already_randomized:
        refusals.append(
            Refusal(
                RefusalCode.ALREADY_RANDOMIZED,
                _("The patient has already been randomized; a randomization is final."),
            )
        )
    return refusals


def _answer(value) -> Answer | None:
    try:
        return Answer(str(value).strip().lower()) if value is not None else None
    except ValueError:
        return None


def _answer_label(answer: Answer | None) -> str:
    return {
        Answer.YES: _("yes"),
        Answer.NO: _("no"),
        Answer.UNKNOWN: _("unknown"),
        None: _("not answered"),
    }[answer]


def _age_refusals(facts: RandomizationFacts) -> list[Refusal]:
    if facts.birth_year is None:
        return [
            Refusal(
                RefusalCode.AGE_UNKNOWN,
                _("The year of birth is not recorded, so the age at consent is unknown."),
            )
        ]
    if facts.consent_date is None:
        return []  # refused for the missing consent already
    if age_eligible(birth_year=facts.birth_year, consent_date=facts.consent_date) is not False:
        return []  # in the year of birth that straddles a limit, the answer to IN01 decides
    _youngest, age = ages_at_consent(birth_year=facts.birth_year, consent_date=facts.consent_date)
    return [
        Refusal(
            RefusalCode.AGE_OUT_OF_RANGE,
            _(
                "Age at consent is %(age)d (year of consent %(year)d minus year of birth "
                "%(birth)d); the protocol requires %(min)d to %(max)d years."
            )
            % {
                "age": age,
                "year": facts.consent_date.year,
                "birth": facts.birth_year,
                "min": protocol.AGE_MIN,
                "max": protocol.AGE_MAX,
            },
        )
    ]


def _resection_refusals(facts: RandomizationFacts) -> list[Refusal]:
    if resection_eligible(facts.resection_margin):
        return []
    margin = (facts.resection_margin or "").strip().upper()
    message = (
        _("The resection margin is not recorded; only R0 resections can be randomized.")
        if not margin
        else _(
            "The liver resection was %(margin)s; only R0 resections (with or without "
            "ablation) can be randomized."
        )
        % {"margin": margin}
    )
    return [Refusal(RefusalCode.RESECTION_NOT_R0, message)]


def _performance_refusals(facts: RandomizationFacts) -> list[Refusal]:
    # Only a recorded ECOG or ASA that meets IN04 randomizes; not recorded refuses too.
    if performance_eligible(ecog=facts.ecog, asa=facts.asa):
        return []
    not_recorded = _("not recorded")
    return [
        Refusal(
            RefusalCode.PERFORMANCE_STATUS,
            _(
                "Neither ECOG performance status <= %(ecog_max)d nor ASA grade < %(asa_below)s "
                "(ECOG: %(ecog)s, ASA: %(asa)s); at least one is required."
            )
            % {
                "ecog_max": protocol.ECOG_MAX,
                "asa_below": ASA_ROMAN[protocol.ASA_BELOW],
                "ecog": not_recorded if facts.ecog is None else facts.ecog,
                "asa": not_recorded
                if facts.asa is None
                else ASA_ROMAN.get(facts.asa, str(facts.asa)),
            },
        )
    ]


def patient_refusals(patient: Patient) -> list[Refusal]:
    """What the patient record itself rules out, beyond the CRF facts."""
    refusals = []
    if patient.entered_in_error:
        refusals.append(
            Refusal(
                RefusalCode.ENTERED_IN_ERROR,
                _("The patient record is marked as entered in error."),
            )
        )
    if patient.status != PatientStatus.SCREENING:
        refusals.append(
            Refusal(
                RefusalCode.NOT_IN_SCREENING,
                _("Only patients in screening can be randomized; this patient is %(status)s.")
                % {"status": patient.get_status_display().lower()},
            )
        )
    return refusals
