"""A site's time zone is read from its IANA name; a name the server does not know reads as UTC,
the same for the pages, the audit trail and the exports."""

from zoneinfo import ZoneInfo

import pytest

from trial.models import Site, zone_named


@pytest.mark.parametrize(
    ("name", "zone"),
    [
        ("Asia/Shanghai", "Asia/Shanghai"),
        ("Europe/Paris", "Europe/Paris"),
        ("UTC", "UTC"),
        ("Asia/Atlantis", "UTC"),  # not a zone
        ("", "UTC"),
        ("../etc/passwd", "UTC"),  # not a zone name at all
        ("/Asia/Shanghai", "UTC"),
    ],
)
def test_zone_named(name, zone):
    assert zone_named(name) == ZoneInfo(zone)


@pytest.mark.parametrize("name", ["Asia/Shanghai", "Asia/Atlantis"])
def test_site_zone_is_the_zone_of_its_name(name):
    assert Site(time_zone=name).zone == zone_named(name)
