"""Dates across every form: none before consent, in the future or after death."""

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trial import protocol

from .registry import FORM_CODES, HARD, check, date_of, dates_in

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
    consent = date_of(values, "dsstdat") if form == "consent" else ctx.consent_date
    if consent is None:
        return
    allowed = DATES_BEFORE_CONSENT_ALLOWED.get(form, ())
    for name, value in dates_in(values):
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
    for name, value in dates_in(values):
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
    for name, value in dates_in(values):
        if name not in allowed and value > ctx.death_date:
            yield (
                name,
                _("This date (%(date)s) is after the patient's death (%(death)s).")
                % {
                    "date": value.isoformat(),
                    "death": ctx.death_date.isoformat(),
                },
            )
