"""Ranges with units: body measures, laboratory values and liver lesions."""

from decimal import Decimal

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecrf.dosing import HEIGHT_RANGE_CM, WEIGHT_RANGE_KG

from .registry import HARD, SOFT, CheckDef, check, number_of, register, shown


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
    limits = {"label": label, "low": with_unit(low, unit), "high": with_unit(high, unit)}
    if hard:
        rule = format_lazy(
            gettext_lazy("{label} is between {low} and {high}; other values are not possible."),
            **limits,
        )
    else:
        rule = format_lazy(gettext_lazy("{label} is expected between {low} and {high}."), **limits)

    def evaluate(form, values, ctx):
        value = number_of(values, item)
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
        yield item, template % {**limits, "item": label, "value": with_unit(value, unit)}

    register(CheckDef(check_id, forms, item, hard, rule, evaluate))


def with_unit(number, unit: str) -> str:
    return f"{shown(number)} {unit}".rstrip()


BODY_MEASURE_FORMS = ("vital_signs", "folfox_cycle", "capecitabine_cycle")
# Possible: what the BSA formula takes (ecrf.dosing), so a height or weight the hard check lets
# through always gives a body surface area. Expected: beyond these a monitor takes a look.
HEIGHT_EXPECTED_CM, WEIGHT_EXPECTED_KG = (120, 220), (30, 200)

_range_check(
    "VS01",
    forms=("vital_signs",),
    item="height",
    label=gettext_lazy("Height"),
    unit="cm",
    low=HEIGHT_RANGE_CM[0],
    high=HEIGHT_RANGE_CM[1],
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
    impossible_beyond=HEIGHT_RANGE_CM,
)
_range_check(
    "VS03",
    forms=BODY_MEASURE_FORMS,
    item="weight",
    label=gettext_lazy("Weight"),
    unit="kg",
    low=WEIGHT_RANGE_KG[0],
    high=WEIGHT_RANGE_KG[1],
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
    impossible_beyond=WEIGHT_RANGE_KG,
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
        value = number_of(values, item)
        if value is not None and value < 0:
            yield (
                item,
                _("%(item)s cannot be negative (%(value)s %(unit)s).")
                % {
                    "item": label,
                    "value": shown(value),
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
