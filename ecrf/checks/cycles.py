"""Treatment cycles: the timing and numbering that FOLFOX and capecitabine share,
and how a dose deviation is shown."""

from datetime import timedelta
from decimal import Decimal

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecrf.dosing import dose_deviation
from trial import protocol

from .registry import HARD, SOFT, CheckDef, date_of, days_between, number_of, register, shown

# A delay of more than four weeks beyond the planned cycle length is worth a monitor's look.
LONG_DELAY_DAYS = 28

# The dose deviation tolerance as the messages of FX01 and CP04 write it.
TOLERANCE_PERCENT = shown(Decimal(str(protocol.DOSE_DEVIATION_TOLERANCE)) * 100)


def percent_of_planned(planned: Decimal, given: Decimal) -> str:
    """The deviation from the planned dose in percent, signed: '-20.0'."""
    return f"{dose_deviation(planned, given) * 100:+.1f}"


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
        given, previous = date_of(values, "exstdat"), ctx.previous_cycle_date
        if given and previous and days_between(given, previous) < earliest_gap:
            yield (
                "exstdat",
                _(
                    "This cycle starts %(days)s days after the previous one (%(previous)s); "
                    "%(regimen)s cycles are %(cycle_days)s days apart and may start at most "
                    "%(window)s days early, so not before %(earliest)s."
                )
                % {
                    "days": days_between(given, previous),
                    "previous": previous.isoformat(),
                    "regimen": regimen.name,
                    "cycle_days": regimen.cycle_days,
                    "window": regimen.cycle_window_days,
                    "earliest": (previous + timedelta(days=earliest_gap)).isoformat(),
                },
            )

    def long_delay(form_code, values, ctx):
        given, previous = date_of(values, "exstdat"), ctx.previous_cycle_date
        if given and previous and days_between(given, previous) > longest_gap:
            yield (
                "exstdat",
                _(
                    "Long delay: this cycle starts %(days)s days after the previous one "
                    "(%(previous)s), more than %(delay)s days beyond the %(cycle_days)s-day cycle."
                )
                % {
                    "days": days_between(given, previous),
                    "previous": previous.isoformat(),
                    "delay": LONG_DELAY_DAYS,
                    "cycle_days": regimen.cycle_days,
                },
            )

    def out_of_sequence(form_code, values, ctx):
        cycle = number_of(values, "cycle")
        if cycle is not None and ctx.previous_cycle_number is not None:
            if cycle != ctx.previous_cycle_number + 1:
                yield (
                    "cycle",
                    _("Cycle %(cycle)s follows cycle %(previous)s: cycle %(expected)s is expected.")
                    % {
                        "cycle": shown(cycle),
                        "previous": ctx.previous_cycle_number,
                        "expected": ctx.previous_cycle_number + 1,
                    },
                )

    def beyond_protocol(form_code, values, ctx):
        cycle = number_of(values, "cycle")
        if cycle is not None and not 1 <= cycle <= regimen.cycles:
            yield (
                "cycle",
                _("%(regimen)s has cycles 1 to %(cycles)s; cycle %(cycle)s is not in the protocol.")
                % {"regimen": regimen.name, "cycles": regimen.cycles, "cycle": shown(cycle)},
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
        register(CheckDef(check_id, (form,), item, hard, rule, evaluate))


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
