"""Edit checks: the rules a form's values must meet, within the form and across forms.

Every check is a pure function of one form's values and a FormContext of facts from the
patient's other forms. A hard finding refuses the save; a soft finding lets the form be
saved and is recorded until someone gives a reason or answers a query. CHECKS lists the
checks of every form; docs/edit-checks.md is generated from it by checks_table_markdown().
Items that are not entered (None or "") are skipped: completeness is the form's business.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecrf import ctcae
from ecrf.dosing import dose_deviation, needs_deviation_reason
from ecrf.models import FORMS_BY_CODE, YesNoUnknown
from ecrf.models.baseline import Asa, ResectionMargin
from ecrf.models.ctdna import CtdnaResult, CtdnaUnit
from ecrf.models.outcomes import RECURRENCE_SITES, EndOfStudyReason, VitalStatus
from ecrf.models.safety import SERIOUS_CRITERIA, AeOutcome
from ecrf.models.treatment import FOLFOX_PREFIX, EndOfTreatmentReason
from trial import protocol
from trial.protocol import Arm


@dataclass(frozen=True)
class Finding:
    check_id: str
    field: str  # the item the message belongs next to; "" for the whole form
    message: str
    hard: bool  # True: the save is refused; False: saved, and the finding needs a reason


@dataclass(frozen=True)
class FormContext:
    """Facts from the patient's other forms, as plain values.

    previous_cycle_*: the latest earlier cycle of the same regimen; None when there is none.
    """

    today: date
    consent_date: date | None = None
    birth_year: int | None = None
    randomization_date: date | None = None
    arm: str | None = None
    death_date: date | None = None
    last_contact_date: date | None = None
    previous_cycle_date: date | None = None
    previous_cycle_number: int | None = None
    first_folfox_date: date | None = None
    height_cm: float | None = None


Flag = tuple[str, str]  # (item, message): what a check says before it becomes a Finding
Evaluate = Callable[[str, Mapping, FormContext], Iterable[Flag]]


@dataclass(frozen=True)
class CheckDef:
    check_id: str
    forms: tuple[str, ...]
    item: str  # the item(s) it reads, in words for the table of checks
    hard: bool
    rule: str  # the rule in a clinician's words (lazy, translated when shown)
    evaluate: Evaluate = field(repr=False, compare=False)

    def run(self, form_code: str, values: Mapping, ctx: FormContext) -> list[Finding]:
        return [
            Finding(self.check_id, item, message, self.hard)
            for item, message in self.evaluate(form_code, values, ctx)
        ]


FORM_CODES = tuple(FORMS_BY_CODE)
TREATMENT_FORMS = ("folfox_cycle", "capecitabine_cycle", "end_of_treatment")
HARD, SOFT = True, False

# Dates that lie before consent by their nature: the history that made the patient eligible.
DATES_BEFORE_CONSENT_ALLOWED = {
    "consent": ("icversion_date",),
    "primary_tumour": ("diagdat",),
    "liver_resection": ("prstdat",),
    "medical_history": ("mhstdat", "mhendat"),
    "concomitant_medication": ("cmstdat", "cmendat"),
    "adverse_event": ("aestdat",),  # AE09 asks for a reason instead of refusing
}
# The day of a survival contact may follow the death it reports.
DATES_AFTER_DEATH_ALLOWED = {"survival": ("contact_date",)}

# A delay of more than four weeks beyond the planned cycle length is worth a monitor's look.
LONG_DELAY_DAYS = 28

_REGISTRY: list[CheckDef] = []


def check(check_id: str, *, forms, item, hard: bool, rule):
    """Register the decorated function as the check check_id."""

    def register(evaluate: Evaluate) -> Evaluate:
        _REGISTRY.append(CheckDef(check_id, tuple(forms), str(item), hard, rule, evaluate))
        return evaluate

    return register


# Reading values: anything not entered, or not of the expected type, reads as None ---------


def _date(values: Mapping, name: str) -> date | None:
    value = values.get(name)
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _number(values: Mapping, name: str) -> Decimal | None:
    value = values.get(name)
    if value is None or isinstance(value, bool | date) or value == "":
        return None
    try:
        number = Decimal(str(value))  # through str, so that 0.1 stays 0.1
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def _text(values: Mapping, name: str) -> str:
    value = values.get(name)
    return value.strip() if isinstance(value, str) else ""


def _ticked(values: Mapping, name: str) -> bool:
    return values.get(name) is True


def _dates(values: Mapping) -> Iterator[tuple[str, date]]:
    for name in values:
        value = _date(values, name)
        if value is not None:
            yield name, value


def _show(number) -> str:
    """A number as a clinician writes it: 1.50 as 1.5, 100.0 as 100."""
    return format(Decimal(str(number)).normalize(), "f")


def _days(later: date, earlier: date) -> int:
    return (later - earlier).days


# Dates across every form ----------------------------------------------------------------


def _allowed_list(allowed: dict[str, tuple[str, ...]]) -> str:
    return "; ".join(f"{form}: {', '.join(items)}" for form, items in allowed.items())


@check(
    "GEN01",
    forms=FORM_CODES,
    item="every date item",
    hard=HARD,
    rule=format_lazy(
        gettext_lazy("No date is before the date informed consent was signed. Exempt: {}."),
        _allowed_list(DATES_BEFORE_CONSENT_ALLOWED),
    ),
)
def date_before_consent(form, values, ctx):
    consent = _date(values, "dsstdat") if form == "consent" else ctx.consent_date
    if consent is None:
        return
    allowed = DATES_BEFORE_CONSENT_ALLOWED.get(form, ())
    for name, value in _dates(values):
        if name not in allowed and value < consent:
            yield (
                name,
                _("This date (%(date)s) is before informed consent was signed (%(consent)s).")
                % {"date": value.isoformat(), "consent": consent.isoformat()},
            )


@check(
    "GEN02",
    forms=FORM_CODES,
    item="every date item",
    hard=HARD,
    rule=gettext_lazy("No date is in the future."),
)
def date_in_future(form, values, ctx):
    for name, value in _dates(values):
        if value > ctx.today:
            yield (
                name,
                _("This date (%(date)s) is in the future (today is %(today)s).")
                % {
                    "date": value.isoformat(),
                    "today": ctx.today.isoformat(),
                },
            )


@check(
    "GEN03",
    forms=tuple(code for code in FORM_CODES if code not in protocol.DEATH_FORMS),
    item="every date item",
    hard=HARD,
    rule=format_lazy(
        gettext_lazy("No date is after the date of death. Exempt: {}."),
        _allowed_list(DATES_AFTER_DEATH_ALLOWED),
    ),
)
def date_after_death(form, values, ctx):
    if ctx.death_date is None:
        return
    allowed = DATES_AFTER_DEATH_ALLOWED.get(form, ())
    for name, value in _dates(values):
        if name not in allowed and value > ctx.death_date:
            yield (
                name,
                _("This date (%(date)s) is after the patient's death (%(death)s).")
                % {
                    "date": value.isoformat(),
                    "death": ctx.death_date.isoformat(),
                },
            )


# Ranges with units ----------------------------------------------------------------------


def _range_check(
    check_id: str,
    *,
    forms: tuple[str, ...],
    item: str,
    label,
    unit: str,
    low,
    high,
    hard: bool,
    impossible_beyond: tuple | None = None,
) -> None:
    """Register a range check. impossible_beyond: the hard limits of the same item, beyond
    which the hard check speaks and this soft one keeps quiet."""
    low, high = Decimal(str(low)), Decimal(str(high))
    limits = {"label": label, "low": _with_unit(low, unit), "high": _with_unit(high, unit)}
    if hard:
        rule = format_lazy(
            gettext_lazy("{label} is between {low} and {high}; other values are not possible."),
            **limits,
        )
    else:
        rule = format_lazy(gettext_lazy("{label} is expected between {low} and {high}."), **limits)

    def evaluate(form, values, ctx):
        value = _number(values, item)
        if value is None or low <= value <= high:
            return
        if impossible_beyond is not None:
            floor, ceiling = (Decimal(str(limit)) for limit in impossible_beyond)
            if not floor <= value <= ceiling:
                return
        template = (
            _("%(item)s %(value)s is not possible: it must be between %(low)s and %(high)s.")
            if hard
            else _("%(item)s %(value)s is outside the expected range of %(low)s to %(high)s.")
        )
        yield item, template % {**limits, "item": label, "value": _with_unit(value, unit)}

    _REGISTRY.append(CheckDef(check_id, forms, item, hard, rule, evaluate))


def _with_unit(number, unit: str) -> str:
    return f"{_show(number)} {unit}".rstrip()


BODY_MEASURE_FORMS = ("vital_signs", "folfox_cycle", "capecitabine_cycle")
HEIGHT_POSSIBLE_CM, HEIGHT_EXPECTED_CM = (50, 250), (120, 220)
WEIGHT_POSSIBLE_KG, WEIGHT_EXPECTED_KG = (20, 300), (30, 200)

_range_check(
    "VS01",
    forms=("vital_signs",),
    item="height",
    label=gettext_lazy("Height"),
    unit="cm",
    low=HEIGHT_POSSIBLE_CM[0],
    high=HEIGHT_POSSIBLE_CM[1],
    hard=HARD,
)
_range_check(
    "VS02",
    forms=("vital_signs",),
    item="height",
    label=gettext_lazy("Height"),
    unit="cm",
    low=HEIGHT_EXPECTED_CM[0],
    high=HEIGHT_EXPECTED_CM[1],
    hard=SOFT,
    impossible_beyond=HEIGHT_POSSIBLE_CM,
)
_range_check(
    "VS03",
    forms=BODY_MEASURE_FORMS,
    item="weight",
    label=gettext_lazy("Weight"),
    unit="kg",
    low=WEIGHT_POSSIBLE_KG[0],
    high=WEIGHT_POSSIBLE_KG[1],
    hard=HARD,
)
_range_check(
    "VS04",
    forms=BODY_MEASURE_FORMS,
    item="weight",
    label=gettext_lazy("Weight"),
    unit="kg",
    low=WEIGHT_EXPECTED_KG[0],
    high=WEIGHT_EXPECTED_KG[1],
    hard=SOFT,
    impossible_beyond=WEIGHT_POSSIBLE_KG,
)

LAB_FORMS = ("baseline_labs", "cea")
LAB_LABELS = {
    "hgb": gettext_lazy("Haemoglobin"),
    "anc": gettext_lazy("Neutrophils"),
    "plt": gettext_lazy("Platelets"),
    "alt": gettext_lazy("ALT"),
    "ast": gettext_lazy("AST"),
    "tbil": gettext_lazy("Total bilirubin"),
    "creat": gettext_lazy("Creatinine"),
    "cea": gettext_lazy("CEA"),
    "ca199": gettext_lazy("CA 19-9"),
}
LAB_UNITS = {
    "hgb": "g/L",
    "anc": "10^9/L",
    "plt": "10^9/L",
    "alt": "U/L",
    "ast": "U/L",
    "tbil": "µmol/L",
    "creat": "µmol/L",
    "cea": "ng/mL",
    "ca199": "U/mL",
}
LAB_EXPECTED = (  # check id, item, low, high, forms
    ("LB02", "hgb", 60, 200, ("baseline_labs",)),
    ("LB03", "anc", "0.5", 20, ("baseline_labs",)),
    ("LB04", "plt", 20, 1000, ("baseline_labs",)),
    ("LB05", "alt", 0, 1000, ("baseline_labs",)),
    ("LB06", "ast", 0, 1000, ("baseline_labs",)),
    ("LB07", "tbil", 0, 500, ("baseline_labs",)),
    ("LB08", "creat", 20, 1000, ("baseline_labs",)),
    ("LB09", "cea", 0, 10000, LAB_FORMS),
)


@check(
    "LB01",
    forms=LAB_FORMS,
    item="every laboratory value",
    hard=HARD,
    rule=gettext_lazy("A laboratory value cannot be negative."),
)
def negative_lab_value(form, values, ctx):
    for item, label in LAB_LABELS.items():
        value = _number(values, item)
        if value is not None and value < 0:
            yield (
                item,
                _("%(item)s cannot be negative (%(value)s %(unit)s).")
                % {
                    "item": label,
                    "value": _show(value),
                    "unit": LAB_UNITS[item],
                },
            )


def _lab_ranges() -> None:
    for check_id, item, low, high, forms in LAB_EXPECTED:
        _range_check(
            check_id,
            forms=forms,
            item=item,
            label=LAB_LABELS[item],
            unit=LAB_UNITS[item],
            low=low,
            high=high,
            hard=SOFT,
            impossible_beyond=(0, Decimal("Infinity")),
        )  # below 0 is LB01's


_lab_ranges()
_range_check(
    "LR02",
    forms=("liver_resection",),
    item="lesion_count",
    label=gettext_lazy("Number of liver lesions"),
    unit="",
    low=1,
    high=50,
    hard=SOFT,
)
_range_check(
    "LR03",
    forms=("liver_resection",),
    item="largest_lesion_mm",
    label=gettext_lazy("Largest lesion diameter"),
    unit="mm",
    low=1,
    high=300,
    hard=SOFT,
)


# Informed consent and demographics ------------------------------------------------------


@check(
    "CO01",
    forms=("consent",),
    item="icversion_date",
    hard=HARD,
    rule=gettext_lazy("The consent form version is dated on or before the day it was signed."),
)
def consent_version_after_signature(form, values, ctx):
    version, signed = _date(values, "icversion_date"), _date(values, "dsstdat")
    if version and signed and version > signed:
        yield (
            "icversion_date",
            _(
                "The consent form version is dated %(version)s, after the patient signed it on "
                "%(signed)s."
            )
            % {"version": version.isoformat(), "signed": signed.isoformat()},
        )


@check(
    "DM01",
    forms=("demographics",),
    item="brthyy",
    hard=HARD,
    rule=gettext_lazy("The year of birth is not in the future."),
)
def birth_year_in_future(form, values, ctx):
    year = _number(values, "brthyy")
    if year is not None and year > ctx.today.year:
        yield "brthyy", _("The year of birth %(year)s is in the future.") % {"year": _show(year)}


# Eligibility ----------------------------------------------------------------------------


@check(
    "EL01",
    forms=("eligibility",),
    item="in01",
    hard=SOFT,
    rule=format_lazy(
        gettext_lazy(
            "IN01 answered Yes, but the year of birth puts the age at consent "
            "outside {low} to {high} years whatever the birthday."
        ),
        low=protocol.AGE_MIN,
        high=protocol.AGE_MAX,
    ),
)
def age_contradicts_in01(form, values, ctx):
    if _text(values, "in01") != YesNoUnknown.YES or not (ctx.birth_year and ctx.consent_date):
        return
    # With the year of birth alone the age is known to one year: flag only certain breaches.
    oldest = ctx.consent_date.year - ctx.birth_year
    youngest = oldest - 1
    limits = {"year": ctx.birth_year, "consent": ctx.consent_date.isoformat()}
    if oldest < protocol.AGE_MIN:
        yield (
            "in01",
            _(
                "Born in %(year)s, the patient was at most %(age)s years old at consent "
                "(%(consent)s), younger than the %(low)s years of inclusion criterion IN01, which "
                "is answered Yes."
            )
            % {**limits, "age": oldest, "low": protocol.AGE_MIN},
        )
    elif youngest > protocol.AGE_MAX:
        yield (
            "in01",
            _(
                "Born in %(year)s, the patient was at least %(age)s years old at consent "
                "(%(consent)s), older than the %(high)s years of inclusion criterion IN01, which "
                "is answered Yes."
            )
            % {**limits, "age": youngest, "high": protocol.AGE_MAX},
        )


@check(
    "LR01",
    forms=("liver_resection",),
    item="margin",
    hard=SOFT,
    rule=gettext_lazy("Resection margin R1 or R2: not eligible, the protocol requires R0."),
)
def margin_not_r0(form, values, ctx):
    margin = _text(values, "margin")
    if margin in (ResectionMargin.R1, ResectionMargin.R2):
        yield (
            "margin",
            _(
                "Resection margin %(margin)s: the patient is not eligible, the protocol requires "
                "an R0 resection (inclusion criterion IN02)."
            )
            % {"margin": margin},
        )


@check(
    "LR04",
    forms=("liver_resection",),
    item="extrahepatic",
    hard=SOFT,
    rule=gettext_lazy("Extrahepatic disease: not eligible (exclusion criterion EX01)."),
)
def extrahepatic_disease(form, values, ctx):
    if _ticked(values, "extrahepatic"):
        yield (
            "extrahepatic",
            _(
                "Extrahepatic disease: the patient is not eligible, distant metastases outside the "
                "liver exclude (exclusion criterion EX01)."
            ),
        )


ASA_LIMIT = Asa(protocol.ASA_BELOW).label


@check(
    "PS01",
    forms=("performance_status",),
    item="ecog, asa",
    hard=SOFT,
    rule=format_lazy(
        gettext_lazy("ECOG above {ecog} and ASA {asa} or higher: not eligible (IN04)."),
        ecog=protocol.ECOG_MAX,
        asa=ASA_LIMIT,
    ),
)
def performance_not_eligible(form, values, ctx):
    ecog, asa = _number(values, "ecog"), _number(values, "asa")
    if ecog is None or asa is None:
        return
    if ecog > protocol.ECOG_MAX and asa >= protocol.ASA_BELOW:
        asa_class = Asa(int(asa)).label if int(asa) in Asa.values else _show(asa)
        yield (
            "ecog",
            _(
                "ECOG %(ecog)s and ASA %(asa)s: the patient is not eligible, inclusion "
                "criterion IN04 needs ASA below %(asa_limit)s or ECOG %(ecog_max)s or less."
            )
            % {
                "ecog": _show(ecog),
                "asa": asa_class,
                "asa_limit": ASA_LIMIT,
                "ecog_max": protocol.ECOG_MAX,
            },
        )


# Start and end dates, ongoing -----------------------------------------------------------


def _end_not_before_start(check_id: str, form: str, start: str, end: str) -> None:
    def evaluate(form_code, values, ctx):
        first, last = _date(values, start), _date(values, end)
        if first and last and last < first:
            yield (
                end,
                _("The end date %(end)s is before the start date %(start)s.")
                % {
                    "end": last.isoformat(),
                    "start": first.isoformat(),
                },
            )

    rule = gettext_lazy("The end date is on or after the start date.")
    _REGISTRY.append(CheckDef(check_id, (form,), end, HARD, rule, evaluate))


def _ongoing_without_end(check_id: str, form: str, ongoing: str, end: str, what) -> None:
    def evaluate(form_code, values, ctx):
        if _ticked(values, ongoing) and _date(values, end):
            yield (
                end,
                _(
                    "This %(what)s is ticked as ongoing, so it has no end date: clear the end "
                    "date or untick ongoing."
                )
                % {"what": what},
            )

    rule = gettext_lazy("Ongoing: no end date.")
    _REGISTRY.append(CheckDef(check_id, (form,), f"{ongoing}, {end}", HARD, rule, evaluate))


_end_not_before_start("MH01", "medical_history", "mhstdat", "mhendat")
_ongoing_without_end("MH02", "medical_history", "mhongo", "mhendat", gettext_lazy("condition"))
_end_not_before_start("CM01", "concomitant_medication", "cmstdat", "cmendat")
_ongoing_without_end(
    "CM02", "concomitant_medication", "cmongo", "cmendat", gettext_lazy("medication")
)
_end_not_before_start("AE01", "adverse_event", "aestdat", "aeendat")
_ongoing_without_end("AE02", "adverse_event", "aeongo", "aeendat", gettext_lazy("event"))


# Adverse events -------------------------------------------------------------------------

RESOLVED_OUTCOMES = (AeOutcome.RECOVERED, AeOutcome.SEQUELAE)
SERIOUS_CRITERION_ITEMS = tuple(code for code, _label in SERIOUS_CRITERIA)
FATAL_GRADE = 5


@check(
    "AE03",
    forms=("adverse_event",),
    item="aeendat",
    hard=SOFT,
    rule=gettext_lazy("A recovered event that is not ongoing has an end date."),
)
def recovered_without_end(form, values, ctx):
    if (
        not _ticked(values, "aeongo")
        and _text(values, "aeout") in RESOLVED_OUTCOMES
        and _date(values, "aeendat") is None
    ):
        yield "aeendat", _("The event has recovered: enter the date it ended.")


@check(
    "AE04",
    forms=("adverse_event",),
    item="aeser",
    hard=HARD,
    rule=gettext_lazy("A serious event has at least one seriousness criterion."),
)
def serious_without_criterion(form, values, ctx):
    if _ticked(values, "aeser") and not any(_ticked(values, c) for c in SERIOUS_CRITERION_ITEMS):
        yield "aeser", _("A serious adverse event needs at least one seriousness criterion.")


@check(
    "AE05",
    forms=("adverse_event",),
    item="aeser",
    hard=HARD,
    rule=gettext_lazy("Seriousness criteria are ticked only for a serious event."),
)
def criteria_on_non_serious(form, values, ctx):
    if not _ticked(values, "aeser") and any(_ticked(values, c) for c in SERIOUS_CRITERION_ITEMS):
        yield (
            "aeser",
            _(
                "Seriousness criteria are ticked, but the event is not marked serious: mark it "
                "serious or clear the criteria."
            ),
        )


@check(
    "AE06",
    forms=("adverse_event",),
    item="aeout",
    hard=HARD,
    rule=gettext_lazy("A grade 5 event has outcome fatal."),
)
def grade_5_not_fatal(form, values, ctx):
    outcome = _text(values, "aeout")
    if _number(values, "aetoxgr") == FATAL_GRADE and outcome and outcome != AeOutcome.FATAL:
        yield "aeout", _("A grade 5 event is fatal by definition: the outcome must be fatal.")


@check(
    "AE07",
    forms=("adverse_event",),
    item="aetoxgr",
    hard=HARD,
    rule=gettext_lazy("An event with outcome fatal is grade 5."),
)
def fatal_not_grade_5(form, values, ctx):
    grade = _number(values, "aetoxgr")
    if _text(values, "aeout") == AeOutcome.FATAL and grade is not None and grade != FATAL_GRADE:
        yield (
            "aetoxgr",
            _("A fatal event is CTCAE grade 5 (grade %(grade)s entered).")
            % {"grade": _show(grade)},
        )


@check(
    "AE08",
    forms=("adverse_event",),
    item="aesdth",
    hard=HARD,
    rule=gettext_lazy("A fatal or grade 5 event has the criterion 'results in death'."),
)
def fatal_without_death_criterion(form, values, ctx):
    fatal = _text(values, "aeout") == AeOutcome.FATAL or _number(values, "aetoxgr") == FATAL_GRADE
    if fatal and not _ticked(values, "aesdth"):
        yield (
            "aesdth",
            _("A fatal event is serious: mark it serious with the criterion 'results in death'."),
        )


@check(
    "AE10",
    forms=("adverse_event",),
    item="aeptcd",
    hard=HARD,
    rule=gettext_lazy("The event is a CTCAE v5.0 term."),
)
def unknown_ctcae_term(form, values, ctx):
    code = _text(values, "aeptcd")
    if code:
        try:
            ctcae.term_by_code(code)
        except KeyError:
            yield (
                "aeptcd",
                _("%(code)s is not a CTCAE v5.0 term; choose the term from the list.")
                % {"code": code},
            )


@check(
    "AE11",
    forms=("adverse_event",),
    item="aetoxgr",
    hard=HARD,
    rule=gettext_lazy("The grade exists in CTCAE v5.0 for the chosen term."),
)
def grade_not_defined_for_term(form, values, ctx):
    code, grade = _text(values, "aeptcd"), _number(values, "aetoxgr")
    if not code or grade is None:
        return
    try:
        grades = ctcae.grades_for(code)
    except KeyError:
        return  # AE10 names the unknown term
    if int(grade) not in grades:
        yield (
            "aetoxgr",
            _("CTCAE v5.0 defines grades %(grades)s for %(term)s; grade %(grade)d does not exist.")
            % {
                "grades": ", ".join(str(g) for g in sorted(grades)),
                "term": ctcae.term_by_code(code).term,
                "grade": int(grade),
            },
        )


@check(
    "AE09",
    forms=("adverse_event",),
    item="aestdat",
    hard=SOFT,
    rule=gettext_lazy(
        "An adverse event starts on or after informed consent; conditions "
        "present before belong in the medical history."
    ),
)
def ae_before_consent(form, values, ctx):
    start = _date(values, "aestdat")
    if start and ctx.consent_date and start < ctx.consent_date:
        yield (
            "aestdat",
            _(
                "The event started on %(start)s, before informed consent (%(consent)s): conditions "
                "present before consent belong in the medical history."
            )
            % {"start": start.isoformat(), "consent": ctx.consent_date.isoformat()},
        )


# Treatment: randomization and arm -------------------------------------------------------

TREATMENT_DATE_ITEMS = {
    "folfox_cycle": "exstdat",
    "capecitabine_cycle": "exstdat",
    "end_of_treatment": "dsstdat",
}


@check(
    "TRT01",
    forms=TREATMENT_FORMS,
    item="(whole form)",
    hard=HARD,
    rule=gettext_lazy("Treatment forms are entered only for randomized patients."),
)
def treatment_not_randomized(form, values, ctx):
    if ctx.randomization_date is None:
        yield (
            "",
            _("The patient is not randomized: treatment can be recorded only after randomization."),
        )


@check(
    "TRT02",
    forms=TREATMENT_FORMS,
    item="exstdat, dsstdat",
    hard=HARD,
    rule=gettext_lazy("Study treatment is not given before randomization."),
)
def treatment_before_randomization(form, values, ctx):
    item = TREATMENT_DATE_ITEMS[form]
    given = _date(values, item)
    if given and ctx.randomization_date and given < ctx.randomization_date:
        yield (
            item,
            _(
                "This date (%(date)s) is before randomization (%(randomized)s): study treatment "
                "starts after randomization."
            )
            % {"date": given.isoformat(), "randomized": ctx.randomization_date.isoformat()},
        )


@check(
    "CP09",
    forms=("capecitabine_cycle",),
    item="(whole form)",
    hard=HARD,
    rule=gettext_lazy("Capecitabine is given only in the maintenance arm."),
)
def capecitabine_outside_maintenance_arm(form, values, ctx):
    # Without randomization TRT01 already refuses; one reason is enough.
    if ctx.randomization_date is not None and ctx.arm != Arm.MAINTENANCE:
        arm = protocol.ARM_LABELS.get(ctx.arm, ctx.arm or "?")
        yield (
            "",
            _(
                "Maintenance capecitabine is only given in the maintenance arm; this patient was "
                "randomized to: %(arm)s."
            )
            % {"arm": arm},
        )


# Treatment: cycles ----------------------------------------------------------------------


def _cycle_checks(
    regimen: protocol.Regimen,
    form: str,
    *,
    too_early_id: str,
    long_delay_id: str,
    out_of_sequence_id: str,
    beyond_protocol_id: str,
) -> None:
    """Register the timing and numbering checks that FOLFOX and capecitabine cycles share."""
    earliest_gap = regimen.cycle_days - regimen.cycle_window_days
    longest_gap = regimen.cycle_days + LONG_DELAY_DAYS

    def too_early(form_code, values, ctx):
        given, previous = _date(values, "exstdat"), ctx.previous_cycle_date
        if given and previous and _days(given, previous) < earliest_gap:
            yield (
                "exstdat",
                _(
                    "This cycle starts %(days)s days after the previous one (%(previous)s); "
                    "%(regimen)s cycles are %(cycle_days)s days apart and may start at most "
                    "%(window)s days early, so not before %(earliest)s."
                )
                % {
                    "days": _days(given, previous),
                    "previous": previous.isoformat(),
                    "regimen": regimen.name,
                    "cycle_days": regimen.cycle_days,
                    "window": regimen.cycle_window_days,
                    "earliest": (previous + timedelta(days=earliest_gap)).isoformat(),
                },
            )

    def long_delay(form_code, values, ctx):
        given, previous = _date(values, "exstdat"), ctx.previous_cycle_date
        if given and previous and _days(given, previous) > longest_gap:
            yield (
                "exstdat",
                _(
                    "Long delay: this cycle starts %(days)s days after the previous one "
                    "(%(previous)s), more than %(delay)s days beyond the %(cycle_days)s-day cycle."
                )
                % {
                    "days": _days(given, previous),
                    "previous": previous.isoformat(),
                    "delay": LONG_DELAY_DAYS,
                    "cycle_days": regimen.cycle_days,
                },
            )

    def out_of_sequence(form_code, values, ctx):
        cycle = _number(values, "cycle")
        if cycle is not None and ctx.previous_cycle_number is not None:
            if cycle != ctx.previous_cycle_number + 1:
                yield (
                    "cycle",
                    _("Cycle %(cycle)s follows cycle %(previous)s: cycle %(expected)s is expected.")
                    % {
                        "cycle": _show(cycle),
                        "previous": ctx.previous_cycle_number,
                        "expected": ctx.previous_cycle_number + 1,
                    },
                )

    def beyond_protocol(form_code, values, ctx):
        cycle = _number(values, "cycle")
        if cycle is not None and not 1 <= cycle <= regimen.cycles:
            yield (
                "cycle",
                _("%(regimen)s has cycles 1 to %(cycles)s; cycle %(cycle)s is not in the protocol.")
                % {"regimen": regimen.name, "cycles": regimen.cycles, "cycle": _show(cycle)},
            )

    table = (
        (
            too_early_id,
            too_early,
            "exstdat",
            HARD,
            format_lazy(
                gettext_lazy(
                    "A cycle starts at least {days} days after the previous cycle "
                    "({cycle_days}-day cycle, at most {window} days early)."
                ),
                days=earliest_gap,
                cycle_days=regimen.cycle_days,
                window=regimen.cycle_window_days,
            ),
        ),
        (
            long_delay_id,
            long_delay,
            "exstdat",
            SOFT,
            format_lazy(
                gettext_lazy(
                    "Long delay: a cycle starts more than {days} days after the previous cycle."
                ),
                days=longest_gap,
            ),
        ),
        (
            out_of_sequence_id,
            out_of_sequence,
            "cycle",
            SOFT,
            gettext_lazy("The cycle number is the previous cycle's number plus one."),
        ),
        (
            beyond_protocol_id,
            beyond_protocol,
            "cycle",
            HARD,
            format_lazy(
                gettext_lazy("The cycle number is between 1 and {cycles}."),
                cycles=regimen.cycles,
            ),
        ),
    )
    for check_id, evaluate, item, hard, rule in table:
        _REGISTRY.append(CheckDef(check_id, (form,), item, hard, rule, evaluate))


_cycle_checks(
    protocol.FOLFOX,
    "folfox_cycle",
    too_early_id="FX07",
    long_delay_id="FX08",
    out_of_sequence_id="FX09",
    beyond_protocol_id="FX11",
)
_cycle_checks(
    protocol.CAPECITABINE,
    "capecitabine_cycle",
    too_early_id="CP05",
    long_delay_id="CP06",
    out_of_sequence_id="CP07",
    beyond_protocol_id="CP08",
)


# FOLFOX ---------------------------------------------------------------------------------

FOLFOX_DOSES = tuple((c.name, FOLFOX_PREFIX[c.code]) for c in protocol.FOLFOX.components)
TOLERANCE_PERCENT = _show(Decimal(str(protocol.DOSE_DEVIATION_TOLERANCE)) * 100)


def _percent(planned: Decimal, given: Decimal) -> str:
    return f"{dose_deviation(planned, given) * 100:+.1f}"


@check(
    "FX01",
    forms=("folfox_cycle",),
    item="oxa_exdose, lv_exdose, fub_exdose, fui_exdose",
    hard=HARD,
    rule=format_lazy(
        gettext_lazy(
            # xgettext:no-python-format
            "An administered dose more than {tolerance} % from the planned dose "
            "needs a reason for the deviation."
        ),
        tolerance=TOLERANCE_PERCENT,
    ),
)
def folfox_deviation_without_reason(form, values, ctx):
    if _text(values, "deviation_reason"):
        return
    for drug, prefix in FOLFOX_DOSES:
        planned, given = _number(values, f"{prefix}_planned"), _number(values, f"{prefix}_exdose")
        if _ticked(values, f"{prefix}_omitted") or planned is None or given is None:
            continue
        if planned > 0 and given >= 0 and needs_deviation_reason(planned, given):
            yield (
                f"{prefix}_exdose",
                _(
                    "%(drug)s: %(given)s mg given, %(planned)s mg planned (%(percent)s %%). A dose "
                    "more than %(tolerance)s %% from planned needs a reason for the deviation."
                )
                % {
                    "drug": drug,
                    "given": _show(given),
                    "planned": _show(planned),
                    "percent": _percent(planned, given),
                    "tolerance": TOLERANCE_PERCENT,
                },
            )


@check(
    "FX02",
    forms=("folfox_cycle",),
    item="oxa_exdose, lv_exdose, fub_exdose, fui_exdose",
    hard=HARD,
    rule=gettext_lazy("An omitted drug has no administered dose."),
)
def omitted_with_dose(form, values, ctx):
    for drug, prefix in FOLFOX_DOSES:
        given = _number(values, f"{prefix}_exdose")
        if _ticked(values, f"{prefix}_omitted") and given is not None and given != 0:
            yield (
                f"{prefix}_exdose",
                _("%(drug)s is ticked as omitted but has an administered dose of %(given)s mg.")
                % {"drug": drug, "given": _show(given)},
            )


@check(
    "FX03",
    forms=("folfox_cycle",),
    item="delay_days",
    hard=HARD,
    rule=gettext_lazy("A delayed cycle has the number of days of delay."),
)
def delay_without_days(form, values, ctx):
    days = _number(values, "delay_days")
    if _ticked(values, "delayed") and (days is None or days <= 0):
        yield "delay_days", _("The cycle is delayed: enter by how many days.")


@check(
    "FX04",
    forms=("folfox_cycle",),
    item="delay_reason",
    hard=HARD,
    rule=gettext_lazy("A delayed cycle has a reason for the delay."),
)
def delay_without_reason(form, values, ctx):
    if _ticked(values, "delayed") and not _text(values, "delay_reason"):
        yield "delay_reason", _("The cycle is delayed: enter the reason for the delay.")


@check(
    "FX05",
    forms=("folfox_cycle",),
    item="reduction_reason",
    hard=SOFT,
    rule=gettext_lazy("A reduced dose has a reason for the reduction."),
)
def reduction_without_reason(form, values, ctx):
    if _ticked(values, "reduced") and not _text(values, "reduction_reason"):
        yield "reduction_reason", _("The dose is reduced: enter the reason for the reduction.")


@check(
    "FX06",
    forms=("folfox_cycle",),
    item="dose_level",
    hard=SOFT,
    rule=gettext_lazy(
        "A reduced dose shows as a dose level below 0 or an administered dose "
        "below the planned dose."
    ),
)
def reduction_not_shown(form, values, ctx):
    if not _ticked(values, "reduced"):
        return
    level = _number(values, "dose_level")
    doses = [
        (_number(values, f"{prefix}_planned"), _number(values, f"{prefix}_exdose"))
        for _drug, prefix in FOLFOX_DOSES
        if not _ticked(values, f"{prefix}_omitted")
    ]
    given_below_planned = any(p is not None and g is not None and g < p for p, g in doses)
    anything_entered = level is not None or any(g is not None for _p, g in doses)
    if anything_entered and not given_below_planned and not (level is not None and level < 0):
        yield (
            "dose_level",
            _(
                "The dose is ticked as reduced, but the dose level is not below 0 and no drug was "
                "given below its planned dose."
            ),
        )


@check(
    "FX10",
    forms=("folfox_cycle",),
    item="exstdat",
    hard=SOFT,
    rule=format_lazy(
        gettext_lazy("Cycle 1 starts within {days} days of randomization."),
        days=protocol.FIRST_FOLFOX_WITHIN_DAYS,
    ),
)
def first_cycle_late(form, values, ctx):
    given, randomized = _date(values, "exstdat"), ctx.randomization_date
    if _number(values, "cycle") != 1 or not (given and randomized):
        return
    if _days(given, randomized) > protocol.FIRST_FOLFOX_WITHIN_DAYS:
        yield (
            "exstdat",
            _(
                "Cycle 1 starts %(days)s days after randomization (%(randomized)s); the protocol "
                "expects it within %(within)s days."
            )
            % {
                "days": _days(given, randomized),
                "randomized": randomized.isoformat(),
                "within": protocol.FIRST_FOLFOX_WITHIN_DAYS,
            },
        )


@check(
    "FX12",
    forms=("folfox_cycle",),
    item="delayed",
    hard=SOFT,
    rule=format_lazy(
        gettext_lazy(
            "A cycle starting more than {days} days after the previous one is ticked as delayed."
        ),
        days=protocol.FOLFOX.cycle_days + protocol.FOLFOX.cycle_window_days,
    ),
)
def late_cycle_not_marked_delayed(form, values, ctx):
    given, previous = _date(values, "exstdat"), ctx.previous_cycle_date
    latest_gap = protocol.FOLFOX.cycle_days + protocol.FOLFOX.cycle_window_days
    if given and previous and not _ticked(values, "delayed"):
        if _days(given, previous) > latest_gap:
            yield (
                "delayed",
                _(
                    "This cycle starts %(days)s days after the previous one, later than its "
                    "window allows (%(latest)s days), but is not ticked as delayed."
                )
                % {"days": _days(given, previous), "latest": latest_gap},
            )


# Capecitabine ---------------------------------------------------------------------------

LARGE_TABLET_MG, SMALL_TABLET_MG = protocol.CAPECITABINE_TABLET_MG


@check(
    "CP02",
    forms=("capecitabine_cycle",),
    item="tablets_500, tablets_150, daily_dose",
    hard=HARD,
    rule=format_lazy(
        gettext_lazy(
            "The tablets per intake ({large} mg x n + {small} mg x n) taken {times} "
            "times a day add up to the prescribed daily dose."
        ),
        large=LARGE_TABLET_MG,
        small=SMALL_TABLET_MG,
        times=protocol.CAPECITABINE_DOSES_PER_DAY,
    ),
)
def tablets_do_not_match_dose(form, values, ctx):
    daily = _number(values, "daily_dose")
    large, small = _number(values, "tablets_500"), _number(values, "tablets_150")
    if daily is None or (large is None and small is None):
        return
    large, small = large or 0, small or 0
    per_intake = large * LARGE_TABLET_MG + small * SMALL_TABLET_MG
    if per_intake * protocol.CAPECITABINE_DOSES_PER_DAY != daily:
        yield (
            "tablets_500",
            _(
                "The tablets per intake add up to %(intake)s mg (%(large)s x %(large_mg)s mg + "
                "%(small)s x %(small_mg)s mg), %(tablet_daily)s mg/day taken %(times)s times a "
                "day; the prescribed daily dose is %(daily)s mg/day."
            )
            % {
                "intake": _show(per_intake),
                "large": _show(large),
                "small": _show(small),
                "large_mg": LARGE_TABLET_MG,
                "small_mg": SMALL_TABLET_MG,
                "tablet_daily": _show(per_intake * protocol.CAPECITABINE_DOSES_PER_DAY),
                "times": protocol.CAPECITABINE_DOSES_PER_DAY,
                "daily": _show(daily),
            },
        )


@check(
    "CP03",
    forms=("capecitabine_cycle",),
    item="tablets_returned",
    hard=HARD,
    rule=gettext_lazy("No more tablets are returned than were dispensed."),
)
def more_returned_than_dispensed(form, values, ctx):
    dispensed, returned = _number(values, "tablets_dispensed"), _number(values, "tablets_returned")
    if dispensed is not None and returned is not None and returned > dispensed:
        yield (
            "tablets_returned",
            _("%(returned)s tablets returned, but only %(dispensed)s were dispensed.")
            % {"returned": _show(returned), "dispensed": _show(dispensed)},
        )


@check(
    "CP04",
    forms=("capecitabine_cycle",),
    item="daily_dose",
    hard=HARD,
    rule=format_lazy(
        gettext_lazy(
            # xgettext:no-python-format
            "A prescribed daily dose more than {tolerance} % from the planned daily "
            "dose needs a reason for the deviation."
        ),
        tolerance=TOLERANCE_PERCENT,
    ),
)
def capecitabine_deviation_without_reason(form, values, ctx):
    planned, prescribed = _number(values, "planned_daily_dose"), _number(values, "daily_dose")
    if _text(values, "deviation_reason") or planned is None or prescribed is None:
        return
    if planned > 0 and prescribed >= 0 and needs_deviation_reason(planned, prescribed):
        yield (
            "daily_dose",
            _(
                "%(prescribed)s mg/day prescribed, %(planned)s mg/day planned (%(percent)s %%). A "
                "dose more than %(tolerance)s %% from planned needs a reason for the deviation."
            )
            % {
                "prescribed": _show(prescribed),
                "planned": _show(planned),
                "percent": _percent(planned, prescribed),
                "tolerance": TOLERANCE_PERCENT,
            },
        )


@check(
    "CP10",
    forms=("capecitabine_cycle",),
    item="exstdat",
    hard=HARD,
    rule=gettext_lazy("Capecitabine maintenance starts after the first FOLFOX cycle."),
)
def capecitabine_before_folfox(form, values, ctx):
    given, first_folfox = _date(values, "exstdat"), ctx.first_folfox_date
    if given and first_folfox and given <= first_folfox:
        yield (
            "exstdat",
            _(
                "Capecitabine maintenance follows FOLFOX, but this date (%(date)s) is not after "
                "the first FOLFOX cycle (%(folfox)s)."
            )
            % {"date": given.isoformat(), "folfox": first_folfox.isoformat()},
        )


FIRST_MAINTENANCE = protocol.visit_def("M01")


@check(
    "CP11",
    forms=("capecitabine_cycle",),
    item="exstdat",
    hard=SOFT,
    rule=format_lazy(
        gettext_lazy(
            "Capecitabine cycle 1 starts {earliest} to {latest} days after the first FOLFOX cycle."
        ),
        earliest=FIRST_MAINTENANCE.day - FIRST_MAINTENANCE.window_before,
        latest=FIRST_MAINTENANCE.day + FIRST_MAINTENANCE.window_after,
    ),
)
def first_capecitabine_out_of_window(form, values, ctx):
    given, first_folfox = _date(values, "exstdat"), ctx.first_folfox_date
    if _number(values, "cycle") != 1 or not (given and first_folfox) or given <= first_folfox:
        return
    earliest = FIRST_MAINTENANCE.day - FIRST_MAINTENANCE.window_before
    latest = FIRST_MAINTENANCE.day + FIRST_MAINTENANCE.window_after
    if not earliest <= _days(given, first_folfox) <= latest:
        yield (
            "exstdat",
            _(
                "Capecitabine cycle 1 starts %(days)s days after the first FOLFOX cycle "
                "(%(folfox)s); the protocol expects %(earliest)s to %(latest)s days, between "
                "%(from)s and %(to)s."
            )
            % {
                "days": _days(given, first_folfox),
                "folfox": first_folfox.isoformat(),
                "earliest": earliest,
                "latest": latest,
                "from": (first_folfox + timedelta(days=earliest)).isoformat(),
                "to": (first_folfox + timedelta(days=latest)).isoformat(),
            },
        )


@check(
    "CP12",
    forms=("capecitabine_cycle",),
    item="exendat",
    hard=SOFT,
    rule=format_lazy(
        gettext_lazy("Capecitabine is taken for at most {days} days a cycle."),
        days=protocol.CAPECITABINE_DAYS_ON,
    ),
)
def capecitabine_too_many_days(form, values, ctx):
    first, last = _date(values, "exstdat"), _date(values, "exendat")
    if first and last and _days(last, first) + 1 > protocol.CAPECITABINE_DAYS_ON:
        yield (
            "exendat",
            _(
                "Capecitabine was taken on %(days)s days (%(first)s to %(last)s); the protocol "
                "gives it on %(days_on)s days of each cycle."
            )
            % {
                "days": _days(last, first) + 1,
                "first": first.isoformat(),
                "last": last.isoformat(),
                "days_on": protocol.CAPECITABINE_DAYS_ON,
            },
        )


_end_not_before_start("CP01", "capecitabine_cycle", "exstdat", "exendat")


# ctDNA ----------------------------------------------------------------------------------


@check(
    "CT01",
    forms=("ctdna",),
    item="quant_unit",
    hard=HARD,
    rule=gettext_lazy("A quantitative value has a unit."),
)
def quantity_without_unit(form, values, ctx):
    if _number(values, "quant_value") is not None and not _text(values, "quant_unit"):
        yield "quant_unit", _("Enter the unit of the quantitative value.")


@check(
    "CT02",
    forms=("ctdna",),
    item="quant_value",
    hard=HARD,
    rule=gettext_lazy("A variant allele frequency is between 0 and 100 %."),
)
def vaf_out_of_range(form, values, ctx):
    value = _number(values, "quant_value")
    if _text(values, "quant_unit") == CtdnaUnit.VAF and value is not None:
        if not 0 <= value <= 100:
            yield (
                "quant_value",
                _(
                    "A variant allele frequency of %(value)s %% is not possible: it must be "
                    "between 0 and 100 %%."
                )
                % {"value": _show(value)},
            )


@check(
    "CT03",
    forms=("ctdna",),
    item="quant_value",
    hard=HARD,
    rule=gettext_lazy("A quantitative ctDNA value cannot be negative."),
)
def negative_quantity(form, values, ctx):
    value = _number(values, "quant_value")
    if value is not None and value < 0 and _text(values, "quant_unit") != CtdnaUnit.VAF:
        yield (
            "quant_value",
            _("A ctDNA quantity cannot be negative (%(value)s).") % {"value": _show(value)},
        )


@check(
    "CT04",
    forms=("ctdna",),
    item="result",
    hard=SOFT,
    rule=gettext_lazy("The result used for randomization is positive (IN03)."),
)
def randomization_result_not_positive(form, values, ctx):
    result = _text(values, "result")
    if _ticked(values, "for_randomization") and result and result != CtdnaResult.POSITIVE:
        yield (
            "result",
            _(
                "This result is used for the randomization decision but is not positive: the "
                "protocol randomizes only patients with positive postoperative ctDNA (IN03)."
            ),
        )


# Outcomes -------------------------------------------------------------------------------


@check(
    "SV01",
    forms=("survival",),
    item="lkadat",
    hard=HARD,
    rule=gettext_lazy("The date last known alive is not after the date of contact."),
)
def known_alive_after_contact(form, values, ctx):
    alive, contact = _date(values, "lkadat"), _date(values, "contact_date")
    if alive and contact and alive > contact:
        yield (
            "lkadat",
            _("The date last known alive (%(alive)s) is after the date of contact (%(contact)s).")
            % {"alive": alive.isoformat(), "contact": contact.isoformat()},
        )


@check(
    "SV02",
    forms=("survival",),
    item="vital_status",
    hard=SOFT,
    rule=gettext_lazy("A patient reported dead has a death form."),
)
def dead_without_death_form(form, values, ctx):
    if _text(values, "vital_status") == VitalStatus.DEAD and ctx.death_date is None:
        yield "vital_status", _("The patient has died: please also complete the death form.")


@check(
    "SV03",
    forms=("survival",),
    item="vital_status",
    hard=HARD,
    rule=gettext_lazy("A patient is not reported alive at a contact after the recorded death."),
)
def alive_after_death(form, values, ctx):
    contact = _date(values, "contact_date")
    if (
        _text(values, "vital_status") == VitalStatus.ALIVE
        and contact
        and ctx.death_date
        and contact > ctx.death_date
    ):
        yield (
            "vital_status",
            _(
                "The death form records death on %(death)s; the patient cannot be alive at this "
                "contact (%(contact)s)."
            )
            % {"death": ctx.death_date.isoformat(), "contact": contact.isoformat()},
        )


@check(
    "DT01",
    forms=("death",),
    item="dthdat",
    hard=SOFT,
    rule=gettext_lazy("The date of death is not before the last date the patient was known alive."),
)
def death_before_last_contact(form, values, ctx):
    death, contact = _date(values, "dthdat"), ctx.last_contact_date
    if death and contact and death < contact:
        yield (
            "dthdat",
            _(
                "The date of death (%(death)s) is before the patient was last known alive "
                "(%(contact)s); check both dates."
            )
            % {"death": death.isoformat(), "contact": contact.isoformat()},
        )


@check(
    "ES01",
    forms=("end_of_treatment", "end_of_study"),
    item="dsdecod",
    hard=SOFT,
    rule=gettext_lazy("Ended because of death: a death form is recorded."),
)
def ended_by_death_without_death_form(form, values, ctx):
    reason = _text(values, "dsdecod")
    if reason in (EndOfTreatmentReason.DEATH, EndOfStudyReason.DEATH) and not ctx.death_date:
        yield "dsdecod", _("The reason is death: please also complete the death form.")


@check(
    "RC01",
    forms=("recurrence",),
    item="rsdat",
    hard=SOFT,
    rule=gettext_lazy("A recurrence is dated on or after randomization."),
)
def recurrence_before_randomization(form, values, ctx):
    found, randomized = _date(values, "rsdat"), ctx.randomization_date
    if found and randomized and found < randomized:
        yield (
            "rsdat",
            _(
                "The recurrence (%(date)s) is dated before randomization (%(randomized)s): the "
                "patient had to be free of disease when randomized."
            )
            % {"date": found.isoformat(), "randomized": randomized.isoformat()},
        )


RECURRENCE_SITE_ITEMS = tuple(code for code, _label in RECURRENCE_SITES)


@check(
    "RC02",
    forms=("recurrence", "tumour_assessment"),
    item="site_liver ... site_other",
    hard=SOFT,
    rule=gettext_lazy("A recurrence has at least one site ticked."),
)
def recurrence_without_site(form, values, ctx):
    if form == "recurrence":
        recurrence = _date(values, "rsdat") is not None
    else:
        recurrence = _ticked(values, "recurrence")
    if recurrence and not any(_ticked(values, site) for site in RECURRENCE_SITE_ITEMS):
        yield RECURRENCE_SITE_ITEMS[0], _("Tick at least one site of recurrence.")


# The registry ---------------------------------------------------------------------------

# The order of the table of checks: roughly the order of the forms in the casebook.
CHECK_GROUPS = (
    "GEN",
    "CO",
    "DM",
    "EL",
    "LR",
    "PS",
    "VS",
    "LB",
    "CT",
    "MH",
    "CM",
    "AE",
    "TRT",
    "FX",
    "CP",
    "SV",
    "DT",
    "ES",
    "RC",
)


def _table_order(c: CheckDef) -> tuple[int, int]:
    group = c.check_id.rstrip("0123456789")
    return CHECK_GROUPS.index(group), int(c.check_id[len(group) :])


_REGISTRY.sort(key=_table_order)

CHECKS: dict[str, tuple[CheckDef, ...]] = {
    code: tuple(c for c in _REGISTRY if code in c.forms) for code in FORM_CODES
}


def check_form(form_code: str, values: Mapping, ctx: FormContext) -> list[Finding]:
    """Every finding of the form's checks, hard and soft, in the registry's order."""
    try:
        checks = CHECKS[form_code]
    except KeyError:
        raise ValueError(f"No form with the code {form_code!r}.") from None
    return [finding for c in checks for finding in c.run(form_code, values, ctx)]


def _forms_in_words(forms: tuple[str, ...]) -> str:
    if set(forms) == set(FORM_CODES):
        return "all forms"
    left_out = [code for code in FORM_CODES if code not in forms]
    if len(left_out) < len(forms):
        return "all forms except " + ", ".join(f"`{code}`" for code in left_out)
    return ", ".join(f"`{code}`" for code in forms)


def checks_table_markdown() -> str:
    """docs/edit-checks.md: one row per check, in the order they run."""
    lines = [
        "# Edit checks",
        "",
        "Generated from `ecrf.checks.CHECKS` by `checks_table_markdown()`; do not edit by",
        "hand (`tests/ecrf/test_checks.py` fails when this file is out of date).",
        "",
        "A hard check refuses the save. A soft check lets the form be saved and records a",
        "finding that stays open until someone gives a reason or answers a query. Items",
        "that are not entered are not checked.",
        "",
        "| Check | Form | Item | Hard/soft | Rule |",
        "|---|---|---|---|---|",
    ]
    with translation.override("en"):
        for c in _REGISTRY:
            cells = (
                c.check_id,
                _forms_in_words(c.forms),
                c.item,
                "hard" if c.hard else "soft",
                str(c.rule),
            )
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
