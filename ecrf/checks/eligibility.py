"""Eligibility: the answers to the criteria against the recorded facts."""

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecrf.models import YesNoUnknown
from ecrf.models.baseline import Asa
from trial import protocol
from trial.eligibility import (
    age_eligible,
    ages_at_consent,
    performance_eligible,
    resection_eligible,
)

from .registry import SOFT, check, number_of, shown, text_of, ticked


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
    if text_of(values, "in01") != YesNoUnknown.YES:
        return
    # With the year of birth alone the age is known to one year: flag only certain breaches.
    if age_eligible(birth_year=ctx.birth_year, consent_date=ctx.consent_date) is not False:
        return
    youngest, oldest = ages_at_consent(birth_year=ctx.birth_year, consent_date=ctx.consent_date)
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
    else:
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
    margin = text_of(values, "margin")
    if resection_eligible(margin) is False:
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
    if ticked(values, "extrahepatic"):
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
    ecog, asa = number_of(values, "ecog"), number_of(values, "asa")
    if performance_eligible(ecog=ecog, asa=asa) is False:
        asa_class = Asa(int(asa)).label if int(asa) in Asa.values else shown(asa)
        yield (
            "ecog",
            _(
                "ECOG %(ecog)s and ASA %(asa)s: the patient is not eligible, inclusion "
                "criterion IN04 needs ASA below %(asa_limit)s or ECOG %(ecog_max)s or less."
            )
            % {
                "ecog": shown(ecog),
                "asa": asa_class,
                "asa_limit": ASA_LIMIT,
                "ecog_max": protocol.ECOG_MAX,
            },
        )
