"""A patient's dates are the hospital's calendar dates, not the server's (UTC)."""

from datetime import UTC, date, datetime

import time_machine
from django.urls import reverse
from django.utils import timezone

from ecrf import patient_state
from tests.ecrf.builders import randomized
from tests.factories import SiteFactory, make_patient, member
from trial.models import Role, Site

# 20:00 UTC on 1 March is already 04:00 on 2 March in Shanghai.
EVENING_UTC = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)


def test_randomization_date_is_the_date_at_the_site(db):
    site = SiteFactory(code="S07", time_zone="Asia/Shanghai")
    investigator = member("inv_s07", Role.INVESTIGATOR, site)
    with time_machine.travel(EVENING_UTC, tick=False):
        patient = randomized(make_patient(site), investigator)
    assert patient_state.facts_for(patient).randomization_date == date(2026, 3, 2)


def test_casebook_counts_days_from_the_site_today(client, db):
    site = SiteFactory(code="S07", time_zone="Asia/Shanghai")
    investigator = member("inv_s07", Role.INVESTIGATOR, site)
    with time_machine.travel(EVENING_UTC, tick=False):
        patient = randomized(make_patient(site), investigator)
        client.force_login(investigator)
        response = client.get(reverse("ecrf:casebook", args=[patient.subject_id]))
    assert response.context["facts"].randomization_date == date(2026, 3, 2)
    # FOLFOX cycle 1 is expected from the day of randomization at the site.
    assert "Window 2026-03-02 to" in response.content.decode()


def test_a_request_leaves_the_server_time_zone_as_it_found_it(client, inv_s01):
    Site.objects.filter(code="S01").update(time_zone="Asia/Shanghai")
    client.force_login(inv_s01)
    client.get(reverse("ecrf:patient_list"))
    assert timezone.get_current_timezone_name() == "UTC"
