"""An investigator adds an unscheduled visit with the form to enter at it, enters that form
from the casebook, then withdraws another form entered by mistake, with a reason."""

import pytest
from playwright.sync_api import expect

from ecrf import services
from ecrf.models import CeaTest, VitalSigns
from tests.e2e.conftest import login
from tests.ecrf.builders import randomized
from tests.ecrf.entry_data import today
from tests.factories import PASSWORD, SiteFactory, make_patient, member
from trial.models import Role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


@pytest.fixture
def study():
    site = SiteFactory(code="S01", name="Site one")
    investigator = member("investigator1", Role.INVESTIGATOR, site)
    patient = randomized(make_patient(site, sex="M", birth_year=1961), investigator)
    mistaken = services.crf_create(
        model=VitalSigns,
        patient=patient,
        acting_user=investigator,
        data={"vsdat": today(), "weight": 81},
    )
    return {"patient": patient, "mistaken": mistaken}


def test_unscheduled_visit_then_a_form_withdrawn(live_server, watched_page, shoot, study):
    patient, mistaken = study["patient"], study["mistaken"]
    page = watched_page
    page.set_viewport_size({"width": 1400, "height": 900})
    login(page, live_server, "investigator1", PASSWORD)
    page.wait_for_selector("[data-testid=patient-table]")
    page.goto(f"{live_server.url}/patients/{patient.subject_id}/")

    # An unscheduled visit for a rising CEA, with the CEA form to enter at it.
    page.get_by_test_id("add-unscheduled-visit").click()
    form = page.get_by_test_id("unscheduled-visit-form")
    form.get_by_label("Date of the visit").fill(today().isoformat())
    form.get_by_label("Reason for the visit").fill("CEA rise, tests brought forward")
    form.get_by_label("CEA").check()
    shoot("unscheduled-visit")
    form.get_by_role("button", name="Add the visit").click()
    expect(page.locator(".alert-success")).to_contain_text("Unscheduled visit 1")
    row = page.locator("tr[data-visit=UNS01]")
    expect(row).to_contain_text("Not started")
    shoot("casebook-with-unscheduled-visit")

    # Its CEA form opens from the cell and is saved at that visit.
    row.get_by_role("link", name="Not started").click()
    page.get_by_label("Date of sample").fill(today().isoformat())
    page.get_by_label("CEA", exact=True).fill("12.5")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_test_id("form-status")).to_have_text("Draft")
    assert CeaTest.objects.get(patient=patient).visit.code == "UNS01"

    # The vital signs entered by mistake are withdrawn with a reason.
    page.goto(f"{live_server.url}/patients/{patient.subject_id}/forms/vital_signs/{mistaken.pk}/")
    step = page.get_by_test_id("step-withdraw")
    step.get_by_text("Entered in error?", exact=True).click()
    step.get_by_label("Why was this form entered in error?").fill("Entered for the wrong patient")
    shoot("withdraw-form")
    step.get_by_role("button", name="Withdraw as entered in error").click()
    expect(page.get_by_test_id("read-only")).to_contain_text("withdrawn as entered in error")
    shoot("form-withdrawn")
    mistaken.refresh_from_db()
    assert mistaken.entered_in_error
