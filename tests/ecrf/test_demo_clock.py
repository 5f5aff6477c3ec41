"""The demo study is entered at its clinical dates, in each site's own time zone."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from ecrf.demo import Clock
from trial.models import Site


@pytest.mark.parametrize(
    "zone, ten_oclock_utc",
    [
        ("Asia/Shanghai", datetime(2026, 1, 15, 2, 0, tzinfo=UTC)),
        ("Europe/Paris", datetime(2026, 1, 15, 9, 0, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 7, 15, 14, 0, tzinfo=UTC)),
        ("UTC", datetime(2026, 1, 15, 10, 0, tzinfo=UTC)),
    ],
)
def test_demo_steps_are_entered_at_ten_in_the_sites_zone(zone, ten_oclock_utc):
    site = Site(code="S09", name="Demo", time_zone=zone)
    with Clock(site).at(ten_oclock_utc.astimezone(site.zone).date()):
        assert timezone.now() == ten_oclock_utc
        assert site.local_date() == ten_oclock_utc.astimezone(site.zone).date()


def test_demo_clock_never_moves_past_the_real_time():
    site = Site(code="S09", name="Demo", time_zone="Asia/Shanghai")
    before = timezone.now()
    with Clock(site).at(date.today() + timedelta(days=3)):
        moved_to = timezone.now()
    assert before <= moved_to <= timezone.now()
