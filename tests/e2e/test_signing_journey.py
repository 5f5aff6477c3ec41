"""An investigator signs a whole casebook: the casebook shows the meaning of the signature
and how many forms wait; one wrong password is refused; the right one signs every form;
a form then shows the printed name, the time with the site's zone and the meaning."""

import pytest
from playwright.sync_api import expect

from ecrf.models import Consent, FormStatus, Signature
from tests.e2e.conftest import login
from tests.ecrf.builders import randomized
from tests.factories import PASSWORD, SiteFactory, make_patient, member
from trial.models import Role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]

MEANING = "I am the investigator responsible and confirm these data are accurate and complete"


@pytest.fixture
def study():
    site = SiteFactory(code="S01", name="Site one", time_zone="Asia/Shanghai")
    investigator = member("investigator1", Role.INVESTIGATOR, site)
    investigator.first_name, investigator.last_name = "Mei", "Chen"
    investigator.save()
    patient = randomized(make_patient(site, sex="F", birth_year=1966), investigator)
    return {"patient": patient}


def test_investigator_signs_a_casebook(live_server, watched_page, shoot, study):
    patient = study["patient"]
    page = watched_page
    page.set_viewport_size({"width": 1400, "height": 900})
    login(page, live_server, "investigator1", PASSWORD)
    page.wait_for_selector("[data-testid=patient-table]")
    page.goto(f"{live_server.url}/patients/{patient.subject_id}/")

    box = page.get_by_test_id("sign-casebook")
    expect(box.get_by_test_id("signature-meaning")).to_contain_text(MEANING)
    expect(box).to_contain_text("wait for your signature")
    box.scroll_into_view_if_needed()
    shoot("casebook-waits-for-signature")

    box.get_by_label("Your password").fill("not my password")
    box.get_by_role("button", name="Sign casebook").click()
    expect(page.get_by_text("The password is not correct")).to_be_visible()
    shoot("wrong-password-refused")

    box = page.get_by_test_id("sign-casebook")
    box.get_by_label("Your password").fill(PASSWORD)
    box.get_by_role("button", name="Sign casebook").click()
    expect(page.get_by_text("Casebook signed:")).to_be_visible()
    shoot("casebook-signed")

    signatures = list(Signature.objects.filter(patient=patient))
    assert signatures and len({s.signed_at for s in signatures}) == 1
    consent = Consent.objects.get(patient=patient)
    assert consent.status == FormStatus.SIGNED
    signed_cell = page.locator("td.cell[title^='Signed by Mei Chen at ']").first
    expect(signed_cell).to_have_attribute(
        "title", f"Signed by Mei Chen at {signatures[0].signed_at_local}"
    )

    page.goto(f"{live_server.url}/patients/{patient.subject_id}/forms/consent/{consent.pk}/")
    shown = page.get_by_test_id("signature")
    expect(shown).to_contain_text("Mei Chen")
    stamp = Signature.objects.get(form_id=consent.pk, form_type__model="consent").signed_at_local
    assert stamp.endswith("+08:00")
    expect(shown).to_contain_text(stamp)
    expect(shown).to_contain_text(MEANING)
    shoot("signed-form")
