"""The demo clock: each step of the demo study is entered at its clinical date, so the audit
trail reads like a real study's."""

from datetime import UTC, date, datetime, time, tzinfo

import time_machine

from trial.models import Site

ENTRY_TIME = time(10, 0)  # a step is entered at 10:00 in the site's time zone


def at_site_time(day: date, zone: tzinfo, at: time = ENTRY_TIME):
    """Moves the clock to a time of day at the site, or to now if that lies in the future:
    nothing is entered later than it is."""
    return time_machine.travel(min(datetime.combine(day, at, tzinfo=zone), _real_now()), tick=False)


def _real_now() -> datetime:
    hatch = time_machine.escape_hatch
    return datetime.fromtimestamp(
        hatch.time.time() if hatch.is_travelling() else datetime.now(UTC).timestamp(), tz=UTC
    )


class Clock:
    """Enters each step at a given date, 10:00 in the site's time zone."""

    def __init__(self, site: Site):
        self.zone = site.zone

    def at(self, day: date):
        return at_site_time(day, self.zone)
