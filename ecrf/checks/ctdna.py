"""ctDNA results: units, allele frequency and the result used for randomization."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecrf.models.ctdna import CtdnaResult, CtdnaUnit

from .registry import HARD, SOFT, check, number_of, shown, text_of, ticked


@check(
    "CT01",
    forms=("ctdna",),
    item="quant_unit",
    hard=HARD,
    rule=gettext_lazy("A quantitative value has a unit."),
)
def quantity_without_unit(form, values, ctx):
    if number_of(values, "quant_value") is not None and not text_of(values, "quant_unit"):
        yield "quant_unit", _("Enter the unit of the quantitative value.")


@check(
    "CT02",
    forms=("ctdna",),
    item="quant_value",
    hard=HARD,
    rule=gettext_lazy("A variant allele frequency is between 0 and 100 %."),
)
def vaf_out_of_range(form, values, ctx):
    value = number_of(values, "quant_value")
    if text_of(values, "quant_unit") == CtdnaUnit.VAF and value is not None:
        if not 0 <= value <= 100:
            yield (
                "quant_value",
                _(
                    "A variant allele frequency of %(value)s %% is not possible: it must be "
                    "between 0 and 100 %%."
                )
                % {"value": shown(value)},
            )


@check(
    "CT03",
    forms=("ctdna",),
    item="quant_value",
    hard=HARD,
    rule=gettext_lazy("A quantitative ctDNA value cannot be negative."),
)
def negative_quantity(form, values, ctx):
    value = number_of(values, "quant_value")
    if value is not None and value < 0 and text_of(values, "quant_unit") != CtdnaUnit.VAF:
        yield (
            "quant_value",
            _("A ctDNA quantity cannot be negative (%(value)s).") % {"value": shown(value)},
        )


@check(
    "CT04",
    forms=("ctdna",),
    item="result",
    hard=SOFT,
    rule=gettext_lazy("The result used for randomization is positive (IN03)."),
)
def randomization_result_not_positive(form, values, ctx):
    result = text_of(values, "result")
    if ticked(values, "for_randomization") and result and result != CtdnaResult.POSITIVE:
        yield (
            "result",
            _(
                "This result is used for the randomization decision but is not positive: the "
                "protocol randomizes only patients with positive postoperative ctDNA (IN03)."
            ),
        )
