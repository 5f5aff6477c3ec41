"""Capecitabine cycles: tablets, returns, the daily dose and the maintenance window."""

from datetime import timedelta

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecrf.dosing import needs_deviation_reason
from trial import protocol

from .cycles import TOLERANCE_PERCENT, percent_of_planned
from .registry import HARD, SOFT, check, date_of, days_between, number_of, shown, text_of
from .start_and_end import end_not_before_start

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
    daily = number_of(values, "daily_dose")
    large, small = number_of(values, "tablets_500"), number_of(values, "tablets_150")
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
                "intake": shown(per_intake),
                "large": shown(large),
                "small": shown(small),
                "large_mg": LARGE_TABLET_MG,
                "small_mg": SMALL_TABLET_MG,
                "tablet_daily": shown(per_intake * protocol.CAPECITABINE_DOSES_PER_DAY),
                "times": protocol.CAPECITABINE_DOSES_PER_DAY,
                "daily": shown(daily),
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
    dispensed, returned = (
        number_of(values, "tablets_dispensed"),
        number_of(values, "tablets_returned"),
    )
    if dispensed is not None and returned is not None and returned > dispensed:
        yield (
            "tablets_returned",
            _("%(returned)s tablets returned, but only %(dispensed)s were dispensed.")
            % {"returned": shown(returned), "dispensed": shown(dispensed)},
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
    planned, prescribed = number_of(values, "planned_daily_dose"), number_of(values, "daily_dose")
    if text_of(values, "deviation_reason") or planned is None or prescribed is None:
        return
    if planned > 0 and prescribed >= 0 and needs_deviation_reason(planned, prescribed):
        yield (
            "daily_dose",
            _(
                "%(prescribed)s mg/day prescribed, %(planned)s mg/day planned (%(percent)s %%). A "
                "dose more than %(tolerance)s %% from planned needs a reason for the deviation."
            )
            % {
                "prescribed": shown(prescribed),
                "planned": shown(planned),
                "percent": percent_of_planned(planned, prescribed),
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
    given, first_folfox = date_of(values, "exstdat"), ctx.first_folfox_date
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
    given, first_folfox = date_of(values, "exstdat"), ctx.first_folfox_date
    if number_of(values, "cycle") != 1 or not (given and first_folfox) or given <= first_folfox:
        return
    earliest = FIRST_MAINTENANCE.day - FIRST_MAINTENANCE.window_before
    latest = FIRST_MAINTENANCE.day + FIRST_MAINTENANCE.window_after
    if not earliest <= days_between(given, first_folfox) <= latest:
        yield (
            "exstdat",
            _(
                "Capecitabine cycle 1 starts %(days)s days after the first FOLFOX cycle "
                "(%(folfox)s); the protocol expects %(earliest)s to %(latest)s days, between "
                "%(from)s and %(to)s."
            )
            % {
                "days": days_between(given, first_folfox),
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
    first, last = date_of(values, "exstdat"), date_of(values, "exendat")
    if first and last and days_between(last, first) + 1 > protocol.CAPECITABINE_DAYS_ON:
        yield (
            "exendat",
            _(
                "Capecitabine was taken on %(days)s days (%(first)s to %(last)s); the protocol "
                "gives it on %(days_on)s days of each cycle."
            )
            % {
                "days": days_between(last, first) + 1,
                "first": first.isoformat(),
                "last": last.isoformat(),
                "days_on": protocol.CAPECITABINE_DAYS_ON,
            },
        )


end_not_before_start("CP01", "capecitabine_cycle", "exstdat", "exendat")
