"""FOLFOX cycles: doses, omissions, delays and reductions."""

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecrf.dosing import needs_deviation_reason
from ecrf.models.treatment import FOLFOX_PREFIX
from trial import protocol

from .cycles import TOLERANCE_PERCENT, percent_of_planned
from .registry import HARD, SOFT, check, date_of, days_between, number_of, shown, text_of, ticked

FOLFOX_DOSES = tuple((c.name, FOLFOX_PREFIX[c.code]) for c in protocol.FOLFOX.components)


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
    if text_of(values, "deviation_reason"):
        return
    for drug, prefix in FOLFOX_DOSES:
        planned, given = (
            number_of(values, f"{prefix}_planned"),
            number_of(values, f"{prefix}_exdose"),
        )
        if ticked(values, f"{prefix}_omitted") or planned is None or given is None:
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
                    "given": shown(given),
                    "planned": shown(planned),
                    "percent": percent_of_planned(planned, given),
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
        given = number_of(values, f"{prefix}_exdose")
        if ticked(values, f"{prefix}_omitted") and given is not None and given != 0:
            yield (
                f"{prefix}_exdose",
                _("%(drug)s is ticked as omitted but has an administered dose of %(given)s mg.")
                % {"drug": drug, "given": shown(given)},
            )


@check(
    "FX03",
    forms=("folfox_cycle",),
    item="delay_days",
    hard=HARD,
    rule=gettext_lazy("A delayed cycle has the number of days of delay."),
)
def delay_without_days(form, values, ctx):
    days = number_of(values, "delay_days")
    if ticked(values, "delayed") and (days is None or days <= 0):
        yield "delay_days", _("The cycle is delayed: enter by how many days.")


@check(
    "FX04",
    forms=("folfox_cycle",),
    item="delay_reason",
    hard=HARD,
    rule=gettext_lazy("A delayed cycle has a reason for the delay."),
)
def delay_without_reason(form, values, ctx):
    if ticked(values, "delayed") and not text_of(values, "delay_reason"):
        yield "delay_reason", _("The cycle is delayed: enter the reason for the delay.")


@check(
    "FX05",
    forms=("folfox_cycle",),
    item="reduction_reason",
    hard=SOFT,
    rule=gettext_lazy("A reduced dose has a reason for the reduction."),
)
def reduction_without_reason(form, values, ctx):
    if ticked(values, "reduced") and not text_of(values, "reduction_reason"):
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
    if not ticked(values, "reduced"):
        return
    level = number_of(values, "dose_level")
    doses = [
        (number_of(values, f"{prefix}_planned"), number_of(values, f"{prefix}_exdose"))
        for _drug, prefix in FOLFOX_DOSES
        if not ticked(values, f"{prefix}_omitted")
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
    given, randomized = date_of(values, "exstdat"), ctx.randomization_date
    if number_of(values, "cycle") != 1 or not (given and randomized):
        return
    if days_between(given, randomized) > protocol.FIRST_FOLFOX_WITHIN_DAYS:
        yield (
            "exstdat",
            _(
                "Cycle 1 starts %(days)s days after randomization (%(randomized)s); the protocol "
                "expects it within %(within)s days."
            )
            % {
                "days": days_between(given, randomized),
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
    given, previous = date_of(values, "exstdat"), ctx.previous_cycle_date
    latest_gap = protocol.FOLFOX.cycle_days + protocol.FOLFOX.cycle_window_days
    if given and previous and not ticked(values, "delayed"):
        if days_between(given, previous) > latest_gap:
            yield (
                "delayed",
                _(
                    "This cycle starts %(days)s days after the previous one, later than its "
                    "window allows (%(latest)s days), but is not ticked as delayed."
                )
                % {"days": days_between(given, previous), "latest": latest_gap},
            )
