"""Informed consent and demographics."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .registry import HARD, check, date_of, number_of, shown


@check(
    "CO01",
    forms=("consent",),
    item="icversion_date",
    hard=HARD,
    rule=gettext_lazy("The consent form version is dated on or before the day it was signed."),
)
def consent_version_after_signature(form, values, ctx):
    version, signed = date_of(values, "icversion_date"), date_of(values, "dsstdat")
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
    year = number_of(values, "brthyy")
    if year is not None and year > ctx.today.year:
        yield "brthyy", _("The year of birth %(year)s is in the future.") % {"year": shown(year)}
