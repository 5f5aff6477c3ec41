"""An investigator's day: find the patient, open the casebook, enter a FOLFOX cycle with the
doses computed live, record an adverse event with the CTCAE picker, meet and fix an edit
check; a coordinator saving the same form at the same time meets the conflict page.

With UPDATE_SCREENSHOTS=1 the screenshots that illustrate docs/user-guide.md are copied to
docs/screenshots/.
"""

import os
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ecrf import derivations, patient_state
from ecrf.models import AdverseEvent, FolfoxCycle, FormStatus
from tests.e2e.conftest import login
from tests.ecrf.builders import randomized
from tests.ecrf.entry_data import with_consent
from tests.factories import PASSWORD, SiteFactory, make_patient, member
from trial.models import Role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FOR_THE_GUIDE = {
    "patient-list": "patient-list.png",
    "casebook": "casebook.png",
    "folfox-live-doses": "folfox-cycle.png",
    "edit-check-at-its-item": "edit-check.png",
    "adverse-event": "adverse-event.png",
    "conflict": "conflict.png",
}


def watch(page, problems: list):
    """The same watch as watched_page, for the second user's page."""
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    return page


@pytest.fixture
def study():
    site = SiteFactory(code="S01", name="Site one")
    investigator = member("investigator1", Role.INVESTIGATOR, site)
    member("coordinator1", Role.COORDINATOR, site)
    with_consent(make_patient(site, sex="M", birth_year=1961), investigator, days_ago=6)
    patient = randomized(make_patient(site, sex="F", birth_year=1966), investigator)
    with_consent(make_patient(site, sex="F", birth_year=1958), investigator, days_ago=45)
    randomized(make_patient(site, sex="M", birth_year=1972), investigator)
    return {"site": site, "investigator": investigator, "patient": patient}


@pytest.fixture
def guide_shots(shoot):
    """shoot(), keeping the pictures the user guide shows."""
    taken = {}

    def _shoot(step: str):
        taken[step] = shoot(step)
        return taken[step]

    yield _shoot
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        for step, name in FOR_THE_GUIDE.items():
            if step in taken:
                shutil.copyfile(taken[step], DOCS / name)


def test_investigator_enters_a_cycle_and_an_adverse_event(
    live_server, watched_page, guide_shots, browser, study
):
    page = watched_page
    page.set_viewport_size({"width": 1400, "height": 900})
    patient = study["patient"]
    shoot = guide_shots

    # Find the patient.
    login(page, live_server, "investigator1", PASSWORD)
    page.wait_for_selector("[data-testid=patient-table]")
    expect(page.get_by_test_id("status-counts")).to_contain_text("Randomized")
    shoot("patient-list")
    page.fill("input[name=q]", patient.subject_id)
    page.get_by_role("button", name="Search").click()
    table = page.get_by_test_id("patient-table")
    expect(table.locator("tbody tr")).to_have_count(1)
    table.get_by_role("link", name=patient.subject_id).click()

    # The casebook: cycle 1 is due now.
    expect(page.get_by_test_id("casebook-title")).to_have_text(patient.subject_id)
    expect(page.get_by_test_id("next-visit")).to_contain_text("FOLFOX cycle 1")
    shoot("casebook")
    page.get_by_test_id("grid-treatment").locator("tr[data-visit=C01] a.state").click()

    # FOLFOX cycle 1: body surface area and doses appear as the weight is typed.
    expect(page.get_by_role("heading", name="FOLFOX cycle")).to_be_visible()
    expect(page.locator("#id_cycle")).to_have_value("1")
    height = patient_state.facts_for(patient).height_cm
    bsa = derivations.bsa_or_none(height, Decimal("70"))
    planned = derivations.folfox_planned(bsa, 0)
    page.fill("#id_exstdat", patient_state.facts_for(patient).randomization_date.isoformat())
    page.locator("#id_weight").press_sequentially("70")
    expect(page.get_by_test_id("derived-bsa")).to_have_text(str(bsa))
    expect(page.get_by_test_id("derived-oxa_planned")).to_have_text(str(planned["oxa_planned"]))
    expect(page.get_by_test_id("derived-fui_planned")).to_have_text(str(planned["fui_planned"]))
    for prefix in ("oxa", "lv", "fub"):
        page.fill(f"#id_{prefix}_exdose", str(planned[f"{prefix}_planned"]))
    short = (planned["fui_planned"] * Decimal("0.8")).quantize(Decimal("1"))
    page.fill("#id_fui_exdose", str(short))
    page.wait_for_load_state("networkidle")  # the live preview has answered
    shoot("folfox-live-doses")

    # An infusion 20 % below plan without a reason: refused, said at the dose, nothing lost.
    page.get_by_role("button", name="Mark complete").click()
    infusion = page.locator("#div_id_fui_exdose")
    expect(infusion.locator(".invalid-feedback")).to_contain_text("needs a reason")
    expect(page.locator("#id_fui_exdose")).to_have_value(str(short))
    expect(page.locator("#id_weight")).to_have_value("70")
    shoot("edit-check-at-its-item")
    page.fill("#id_fui_exdose", str(planned["fui_planned"]))
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_test_id("form-status")).to_have_text("Complete")
    cycle = FolfoxCycle.objects.get(patient=patient)
    assert cycle.status == FormStatus.COMPLETE and cycle.bsa == bsa

    # An adverse event from the casebook's log, with the CTCAE picker.
    page.get_by_role("link", name="Back to casebook").click()
    page.get_by_test_id("quick-add-adverse_event").click()
    page.get_by_test_id("ctcae-search").press_sequentially("hand foot", delay=30)
    option = page.get_by_test_id("ctcae-option").first
    expect(option).to_contain_text("Palmar-plantar erythrodysesthesia syndrome")
    option.click()
    expect(page.get_by_test_id("ctcae-chosen")).to_contain_text("Palmar-plantar")
    grades = page.get_by_test_id("ctcae-grades")
    expect(grades.locator("input[type=radio]")).to_have_count(3)
    expect(grades).to_contain_text("Skin changes")
    grades.get_by_label(re.compile(r"^Grade 2")).check()
    page.fill("#id_aestdat", patient_state.facts_for(patient).randomization_date.isoformat())
    expect(page.locator("#id_aeendat")).to_be_visible()
    page.get_by_label("Ongoing", exact=True).check()
    expect(page.locator("#id_aeendat")).to_be_hidden()
    expect(page.locator("#id_aeshosp")).to_be_hidden()
    page.get_by_label("Serious", exact=True).check()
    expect(page.locator("#id_aeshosp")).to_be_visible()
    page.get_by_label("Serious", exact=True).uncheck()
    for name, value in (
        ("aerel_oxa", "unlikely"),
        ("aerel_fu", "probable"),
        ("aerel_cape", "na"),
        ("aeacn_oxa", "none"),
        ("aeacn_fu", "reduced"),
        ("aeacn_cape", "na"),
        ("aeout", "not_recovered"),
    ):
        page.select_option(f"#id_{name}", value)
    shoot("adverse-event")
    page.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_test_id("form-status")).to_have_text("Complete")
    event = AdverseEvent.objects.get(patient=patient)
    assert (event.aeterm, event.aetoxgr, event.aeongo) == (
        "Palmar-plantar erythrodysesthesia syndrome",
        2,
        True,
    )

    # The investigator and a coordinator open the cycle at the same time; the coordinator
    # saves second and meets the conflict, with the investigator's values beside their own.
    cycle_url = f"{live_server.url}/patients/{patient.subject_id}/forms/folfox_cycle/{cycle.pk}/"
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    other = watch(context.new_page(), problems)
    login(other, live_server, "coordinator1", PASSWORD)
    other.wait_for_selector("[data-testid=patient-table]")
    other.goto(cycle_url)
    page.goto(cycle_url)
    page.fill("#id_weight", "70.4")
    page.select_option("#id_change-reason", "transcription_error")
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".alert-success")).to_contain_text("saved")

    other.fill("#id_weight", "69.6")
    other.select_option("#id_change-reason", "new_information")
    other.wait_for_load_state("networkidle")
    other.get_by_role("button", name="Save changes").click()
    conflict = other.get_by_test_id("conflict")
    expect(conflict).to_contain_text("investigator1 saved this form")
    expect(other.get_by_test_id("conflict-table")).to_contain_text("70.4")
    expect(other.get_by_test_id("conflict-table")).to_contain_text("69.6")
    expect(other.locator("#id_weight")).to_have_value("69.6")
    # shoot() pictures the investigator's page; the guide shows the coordinator's.
    other.screenshot(path=str(shoot("conflict")), full_page=True)
    cycle.refresh_from_db()
    assert cycle.weight == Decimal("70.4")

    other.get_by_role("button", name="Save changes").click()
    expect(other.locator(".alert-success")).to_contain_text("saved")
    cycle.refresh_from_db()
    assert cycle.weight == Decimal("69.6")
    reasons = list(cycle.history.values_list("history_change_reason", flat=True)[:2])
    assert reasons == ["New information from source", "Transcription error"]
    context.close()
    assert problems == []
