"""Ranges with units: body measures, laboratory values and liver lesions."""

from decimal import Decimal

from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecrf.dosing import HEIGHT_RANGE_CM, WEIGHT_RANGE_KG
from ecrf.models import FORMS_BY_CODE, BaselineLabs, CeaTest, Crf, LiverResection, VitalSigns

from .registry import HARD, SOFT, CheckDef, check, number_of, register, shown


def item_label(model: type[Crf], item: str):
    """The item's name as its form shows it, to begin a sentence: 'Haemoglobin'."""
    return capfirst(model._meta.get_field(item).verbose_name)


def _range_check(
    check_id: str,
    *,
    model: type[Crf],
    item: str,
    low,
    high,
    hard: bool,
    forms: tuple[str, ...] = (),
    impossible_beyond: tuple | None = None,
) -> None:
    """Register a range check of model's item, named and with the unit as the form shows
    them; forms: where it runs, the model's own form by default. impossible_beyond: the hard
    limits of the same item, beyond which the hard check speaks and this soft one keeps quiet."""
    forms = forms or (model.FORM_CODE,)
    label, unit = item_label(model, item), model.unit_of(item)
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
    model=VitalSigns,
    item="height",
    low=HEIGHT_RANGE_CM[0],
    high=HEIGHT_RANGE_CM[1],
    hard=HARD,
)
_range_check(
    "VS02",
    model=VitalSigns,
    item="height",
    low=HEIGHT_EXPECTED_CM[0],
    high=HEIGHT_EXPECTED_CM[1],
    hard=SOFT,
    impossible_beyond=HEIGHT_RANGE_CM,
)
_range_check(
    "VS03",
    model=VitalSigns,
    forms=BODY_MEASURE_FORMS,
    item="weight",
    low=WEIGHT_RANGE_KG[0],
    high=WEIGHT_RANGE_KG[1],
    hard=HARD,
)
_range_check(
    "VS04",
    model=VitalSigns,
    forms=BODY_MEASURE_FORMS,
    item="weight",
    low=WEIGHT_EXPECTED_KG[0],
    high=WEIGHT_EXPECTED_KG[1],
    hard=SOFT,
    impossible_beyond=WEIGHT_RANGE_KG,
)

# The laboratory values are the items with a unit of the laboratory forms.
LAB_FORMS = (BaselineLabs.FORM_CODE, CeaTest.FORM_CODE)
LAB_UNITS = {**BaselineLabs.UNITS, **CeaTest.UNITS}
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
    model = FORMS_BY_CODE[form]
    for item, unit in model.UNITS.items():
        value = number_of(values, item)
        if value is not None and value < 0:
            yield (
                item,
                _("%(item)s cannot be negative (%(value)s %(unit)s).")
                % {"item": item_label(model, item), "value": shown(value), "unit": unit},
            )


def _lab_ranges() -> None:
    for check_id, item, low, high, forms in LAB_EXPECTED:
        _range_check(
            check_id,
            model=BaselineLabs,
            forms=forms,
            item=item,
            low=low,
            high=high,
            hard=SOFT,
            impossible_beyond=(0, Decimal("Infinity")),
        )  # below 0 is LB01's


_lab_ranges()
_range_check("LR02", model=LiverResection, item="lesion_count", low=1, high=50, hard=SOFT)
_range_check("LR03", model=LiverResection, item="largest_lesion_mm", low=1, high=300, hard=SOFT)
