"""The registry of edit checks: what a check is, what it reads and says, and how it is
registered; the readers that turn a form's values into plain dates, numbers and text.

Every check is a pure function of one form's values and a FormContext of facts from the
patient's other forms. A hard finding refuses the save; a soft finding lets the form be
saved and is recorded until someone gives a reason or answers a query. Items that are not
entered (None or "") are skipped: completeness is the form's business.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from ecrf.models import FORMS_BY_CODE


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

REGISTRY: list[CheckDef] = []


def register(definition: CheckDef) -> None:
    """Add a check to the registry; the table of checks orders them by their ids."""
    REGISTRY.append(definition)


def check(check_id: str, *, forms, item, hard: bool, rule):
    """Register the decorated function as the check check_id."""

    def decorate(evaluate: Evaluate) -> Evaluate:
        register(CheckDef(check_id, tuple(forms), str(item), hard, rule, evaluate))
        return evaluate

    return decorate


# Reading values: anything not entered, or not of the expected type, reads as None ---------


def date_of(values: Mapping, name: str) -> date | None:
    value = values.get(name)
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def number_of(values: Mapping, name: str) -> Decimal | None:
    value = values.get(name)
    if value is None or isinstance(value, bool | date) or value == "":
        return None
    try:
        number = Decimal(str(value))  # through str, so that 0.1 stays 0.1
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def text_of(values: Mapping, name: str) -> str:
    value = values.get(name)
    return value.strip() if isinstance(value, str) else ""


def ticked(values: Mapping, name: str) -> bool:
    return values.get(name) is True


def dates_in(values: Mapping) -> Iterator[tuple[str, date]]:
    for name in values:
        value = date_of(values, name)
        if value is not None:
            yield name, value


def shown(number) -> str:
    """A number as a clinician writes it: 1.50 as 1.5, 100.0 as 100."""
    return format(Decimal(str(number)).normalize(), "f")


def days_between(later: date, earlier: date) -> int:
    return (later - earlier).days
