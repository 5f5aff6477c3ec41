"""An investigator registers a patient, sees what blocks randomization, and randomizes."""

import pytest
from django.urls import reverse

from tests.e2e.conftest import login
from tests.ecrf.builders import ensure_allocation_list, screened
from tests.factories import PASSWORD, SiteFactory, member
from trial.models import Patient, Randomization, Role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


def test_investigator_registers_and_randomizes_a_patient(live_server, watched_page, shoot):
    site = SiteFactory(code="S01", name="Site one")
    investigator = member("investigator", Role.INVESTIGATOR, site)
    ensure_allocation_list()
    page = watched_page
    login(page, live_server, "investigator", PASSWORD)

    page.get_by_role("navigation").get_by_role("link", name="Register patient").click()
    page.wait_for_selector("[data-testid=register-form]")
    page.get_by_label("Female").check()
    page.fill("input[name=birth_year]", "1968")
    page.fill("input[name=screening_number]", "SCR-0042")
    shoot("register")
    page.get_by_role("button", name="Register patient").click()
    page.wait_for_selector("text=Patient S01-001 registered at S01.")
    shoot("registered")
    patient = Patient.objects.get(screening_number="SCR-0042")
    assert patient.subject_id == "S01-001"

    # From the casebook's Randomize link when the casebook is there.
    to_randomize = page.get_by_role("link", name="Randomize", exact=True)
    if to_randomize.count():
        to_randomize.click()
    else:
        page.goto(live_server.url + reverse("ecrf:randomize", args=[patient.subject_id]))
    page.wait_for_selector("[data-testid=blockers]")
    blockers = page.get_by_test_id("blockers")
    assert "Informed consent is not recorded with its date." in blockers.inner_text()
    assert page.get_by_role("button", name="Randomize now").count() == 0
    shoot("blocked")

    # The screening forms are entered on the data-entry pages; here through the services.
    screened(patient, investigator)
    page.reload()
    page.wait_for_selector("[data-testid=nothing-blocks]")
    confirm = page.get_by_test_id("confirm-randomization")
    stratum = page.get_by_test_id("stratum").inner_text()
    assert stratum.startswith("S01|")
    assert "cannot be undone" in confirm.inner_text()
    shoot("ready")

    page.get_by_role("button", name="Randomize now").click()
    page.wait_for_selector("[data-testid=randomization-result]")
    record = Randomization.objects.get(patient=patient)
    assert record.get_arm_display() in page.get_by_test_id("arm").inner_text()
    assert stratum in page.get_by_test_id("randomization-result").inner_text()
    schedule = page.get_by_test_id("visit-schedule").inner_text()
    assert "FOLFOX cycle 1" in schedule
    assert "Follow-up month 3" in schedule
    shoot("randomized")
