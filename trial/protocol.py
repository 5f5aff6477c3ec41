"""The NCT05797077 protocol as plain data: the one source of every number the eCRF uses.

Values marked PROTOCOL come from the registry record (ClinicalTrials.gov NCT05797077).
Values marked CONVENTION are standard practice chosen where the registry record is
silent; README.md ("The protocol in numbers") lists them. Change them here and
nowhere else.
"""

from dataclasses import dataclass, field
from enum import StrEnum

TRIAL_ID = "NCT05797077"  # PROTOCOL
TITLE = (
    "Postoperative maintenance therapy for resectable liver metastases of colorectal "
    "cancer guided by ctDNA"
)  # PROTOCOL
TARGET_ENROLMENT = 346  # PROTOCOL
AGE_MIN, AGE_MAX = 18, 75  # PROTOCOL (inclusive, at consent)


class Arm(StrEnum):
    MAINTENANCE = "FOLFOX_CAPE"
    FOLFOX_ALONE = "FOLFOX"


ARM_LABELS = {  # PROTOCOL (group names of the registry record)
    Arm.MAINTENANCE: "Adjuvant FOLFOX followed by capecitabine maintenance",
    Arm.FOLFOX_ALONE: "Adjuvant FOLFOX alone",
}
ALLOCATION_RATIO = {Arm.MAINTENANCE: 1, Arm.FOLFOX_ALONE: 1}  # PROTOCOL (1:1)

# Randomization: stratified permuted blocks (CONVENTION: sizes and strata).
BLOCK_SIZES = (2, 4)
STRATIFICATION_FACTORS = ("site", "synchronous_metastases")
STRATIFICATION_RATIONALE = (
    "Site, because practice differs between hospitals; synchronous versus metachronous "
    "liver metastases, a recorded prognostic factor of recurrence after hepatectomy."
)


# Eligibility, worded as in the registry record (PROTOCOL).
INCLUSION_CRITERIA = (
    ("IN01", "Both males and females, aged 18-75 years"),
    (
        "IN02",
        "Liver metastatic colorectal cancer with R0 resection based on MDT evaluation "
        "(including metastases treated with ablation achieving a similar R0 effect)",
    ),
    ("IN03", "Postoperative ctDNA positive"),
    ("IN04", "ASA grade < IV and/or ECOG performance status score <= 2"),
    (
        "IN05",
        "Full understanding of the study and voluntarily signed informed consent form",
    ),
)
EXCLUSION_CRITERIA = (
    (
        "EX01",
        "Distant metastases to other sites, including the pelvis, ovaries, peritoneum, etc.",
    ),
    ("EX02", "History of other malignant tumours"),
    (
        "EX03",
        "Severe liver or kidney dysfunction, cardiorespiratory dysfunction, coagulation "
        "dysfunction, or underlying disease that cannot tolerate chemotherapy",
    ),
    ("EX04", "Allergy to any component of the study treatment"),
    ("EX05", "Received other tumour-related investigational drug treatment"),
    (
        "EX06",
        "Severe uncontrolled recurrent infection or other severe uncontrolled accompanying disease",
    ),
    (
        "EX07",
        "Other factors that may affect the study results or lead to early termination "
        "(alcoholism, drug abuse, other serious disease requiring comprehensive treatment "
        "including mental illness, severe laboratory abnormalities)",
    ),
    ("EX08", "History of severe mental illness"),
    ("EX09", "Pregnant or lactating"),
    (
        "EX10",
        "Other clinical or laboratory conditions that, in the investigator's opinion, make "
        "the patient unsuitable for the study",
    ),
)
ECOG_MAX = 2  # PROTOCOL
ASA_BELOW = 4  # PROTOCOL: ASA < IV


# Regimens ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    code: str
    name: str
    mg_per_m2: float
    route: str
    rounding_mg: int  # planned doses are rounded to this step (CONVENTION)


@dataclass(frozen=True)
class Regimen:
    code: str
    name: str
    components: tuple[Component, ...]
    cycle_days: int
    cycles: int
    # dose level -> fraction of the full dose; level 0 is the starting dose
    dose_levels: dict[int, float] = field(default_factory=dict)
    cycle_window_days: int = 3


# mFOLFOX6, the usual adjuvant FOLFOX (CONVENTION: the registry record names "FOLFOX"
# without doses); 12 cycles q14 days = 6 months of adjuvant therapy (CONVENTION).
FOLFOX = Regimen(
    code="mFOLFOX6",
    name="mFOLFOX6",
    components=(
        Component("OXALIPLATIN", "Oxaliplatin", 85, "IV over 2 h, day 1", 5),
        Component("LEUCOVORIN", "Leucovorin", 400, "IV over 2 h, day 1", 10),
        Component("FU_BOLUS", "5-FU bolus", 400, "IV bolus, day 1", 10),
        Component("FU_INFUSION", "5-FU infusion", 2400, "IV over 46 h, days 1-3", 50),
    ),
    cycle_days=14,
    cycles=12,
    dose_levels={0: 1.0, -1: 0.8, -2: 0.6},
)

# Capecitabine maintenance 1000 mg/m2 twice daily, days 1-14 every 21 days, for up to
# one year (17 cycles) after FOLFOX (CONVENTION); dose levels 100/75/50 % follow the
# capecitabine label's reduction steps.
CAPECITABINE = Regimen(
    code="CAPE",
    name="Capecitabine maintenance",
    components=(Component("CAPECITABINE", "Capecitabine", 1000, "oral, twice daily", 150),),
    cycle_days=21,
    cycles=17,
    dose_levels={0: 1.0, -1: 0.75, -2: 0.5},
)
CAPECITABINE_DOSES_PER_DAY = 2
CAPECITABINE_DAYS_ON = 14
CAPECITABINE_TABLET_MG = (500, 150)  # tablet strengths on the market

# Body surface area (CONVENTION): Mosteller, capped at 2.2 m2 as many centres do.
BSA_FORMULA = "mosteller"  # or "dubois"
BSA_CAP_M2 = 2.2
DOSE_DEVIATION_TOLERANCE = 0.10  # administered vs planned beyond +-10 % needs a reason


# Visit schedule ------------------------------------------------------------------------


class Anchor(StrEnum):
    CONSENT = "consent"
    RANDOMIZATION = "randomization"
    FIRST_FOLFOX = "first_folfox"
    END_OF_TREATMENT = "end_of_treatment"


@dataclass(frozen=True)
class VisitDef:
    code: str
    name: str
    anchor: Anchor
    day: int  # offset from the anchor date
    window_before: int
    window_after: int
    forms: tuple[str, ...]
    arms: tuple[Arm, ...] = (Arm.MAINTENANCE, Arm.FOLFOX_ALONE)
    phase: str = "treatment"  # screening, treatment, maintenance, follow_up, closing


# Medical history is a log (a patient may have none), so it is not counted as missing.
SCREENING_FORMS = (
    "consent",
    "demographics",
    "eligibility",
    "primary_tumour",
    "liver_resection",
    "performance_status",
    "baseline_labs",
    "vital_signs",
    "ctdna",
)
FOLLOW_UP_FORMS = ("tumour_assessment", "cea", "survival")
# After recurrence PFS is known: follow-up visits ask only for survival (CONVENTION).
FOLLOW_UP_FORMS_AFTER_RECURRENCE = ("survival",)
MONTH_DAYS = 365.25 / 12


def _folfox_visits() -> tuple[VisitDef, ...]:
    return tuple(
        VisitDef(
            code=f"C{n:02d}",
            name=f"FOLFOX cycle {n}",
            anchor=Anchor.FIRST_FOLFOX,
            day=(n - 1) * FOLFOX.cycle_days,
            window_before=0 if n == 1 else FOLFOX.cycle_window_days,
            window_after=0 if n == 1 else FOLFOX.cycle_window_days,
            forms=("folfox_cycle",),
        )
        for n in range(1, FOLFOX.cycles + 1)
    )


def _maintenance_visits() -> tuple[VisitDef, ...]:
    start = FOLFOX.cycles * FOLFOX.cycle_days
    return tuple(
        VisitDef(
            code=f"M{n:02d}",
            name=f"Capecitabine cycle {n}",
            anchor=Anchor.FIRST_FOLFOX,
            day=start + (n - 1) * CAPECITABINE.cycle_days,
            window_before=7 if n == 1 else CAPECITABINE.cycle_window_days,
            window_after=14 if n == 1 else CAPECITABINE.cycle_window_days,
            forms=("capecitabine_cycle",),
            arms=(Arm.MAINTENANCE,),
            phase="maintenance",
        )
        for n in range(1, CAPECITABINE.cycles + 1)
    )


def _follow_up_visits() -> tuple[VisitDef, ...]:
    # Anchored on randomization, not on end of treatment, so that tumour assessments
    # fall at the same times in both arms and PFS is not biased by the schedule.
    months = [3 * k for k in range(1, 9)] + [24 + 6 * k for k in range(1, 7)]
    return tuple(
        VisitDef(
            code=f"FU{m:02d}",
            name=f"Follow-up month {m}",
            anchor=Anchor.RANDOMIZATION,
            day=round(m * MONTH_DAYS),
            window_before=14 if m <= 24 else 28,
            window_after=14 if m <= 24 else 28,
            forms=FOLLOW_UP_FORMS,
            phase="follow_up",
        )
        for m in months
    )


VISITS: tuple[VisitDef, ...] = (
    VisitDef("SCR", "Screening", Anchor.CONSENT, 0, 0, 28, SCREENING_FORMS, phase="screening"),
    VisitDef("RAND", "Randomization", Anchor.RANDOMIZATION, 0, 0, 0, (), phase="screening"),
    *_folfox_visits(),
    VisitDef(
        "EOT",
        "End of treatment",
        Anchor.END_OF_TREATMENT,
        0,
        0,
        30,
        ("end_of_treatment",),
        phase="closing",
    ),
    *_maintenance_visits(),
    *_follow_up_visits(),
)
UNSCHEDULED = VisitDef("UNS", "Unscheduled", Anchor.RANDOMIZATION, 0, 0, 0, (), phase="any")
# What a site may enter at an unscheduled visit, chosen when it adds the visit (CONVENTION);
# adverse events, medications, ctDNA samples and the other logs are entered at any time.
UNSCHEDULED_FORMS = ("vital_signs", "performance_status", "cea", "tumour_assessment")
END_OF_STUDY = VisitDef("EOS", "End of study", Anchor.RANDOMIZATION, 0, 0, 0, ("end_of_study",))
FIRST_FOLFOX_WITHIN_DAYS = 28  # first cycle within 4 weeks of randomization (CONVENTION)
FOLLOW_UP_YEARS = 5  # PROTOCOL design: follow-up to 5 years (CONVENTION for the split)

# Forms that may be filled at any time once a patient is in the study (log forms).
LOG_FORMS = ("medical_history", "adverse_event", "concomitant_medication", "protocol_deviation")
# Forms that close a patient's record; the only ones expected after death.
DEATH_FORMS = ("death", "end_of_study")


def visit_def(code: str) -> VisitDef:
    for visit in (*VISITS, UNSCHEDULED, END_OF_STUDY):
        if visit.code == code:
            return visit
    raise KeyError(code)
