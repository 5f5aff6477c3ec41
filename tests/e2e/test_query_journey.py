"""A query's round trip: the monitor raises a query on an item of the consent form (an
empty question is sent back with the item kept), the investigator finds it in the queries
list and answers it on the form, and the monitor closes it.

With UPDATE_SCREENSHOTS=1 the screenshots that illustrate docs/user-guide.md are copied to
docs/screenshots/.
"""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ecrf.models import Consent, Query
from ecrf.models.workflow import QueryStatus
from tests.e2e.conftest import login, watch
from tests.ecrf.builders import randomized
from tests.factories import PASSWORD, SiteFactory, make_patient, member
from trial.models import Role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FOR_THE_GUIDE = {
    "query-raised": "query-raised.png",
    "query-answered": "query-answered.png",
}


@pytest.fixture
def study():
    site = SiteFactory(code="S01", name="Site one")
    investigator = member("investigator1", Role.INVESTIGATOR, site)
    member("monitor1", Role.MONITOR, site)
    patient = randomized(make_patient(site, sex="F", birth_year=1966), investigator)
    return {"patient": patient, "consent": Consent.objects.get(patient=patient)}


@pytest.fixture
def guide_shots(shoot):
    taken = {}

    def _shoot(step: str, page=None):
        taken[step] = shoot(step)
        if page is not None:  # shoot() pictures the first user's page
            page.screenshot(path=str(taken[step]), full_page=True)
        return taken[step]

    yield _shoot
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        for step, name in FOR_THE_GUIDE.items():
            if step in taken:
                shutil.copyfile(taken[step], DOCS / name)


def test_monitor_raises_investigator_answers_monitor_closes(
    live_server, watched_page, guide_shots, browser, study
):
    patient, consent = study["patient"], study["consent"]
    form_url = f"{live_server.url}/patients/{patient.subject_id}/forms/consent/{consent.pk}/"
    monitor = watched_page
    monitor.set_viewport_size({"width": 1400, "height": 900})

    # The monitor asks about the consent form version; an empty question comes back.
    login(monitor, live_server, "monitor1", PASSWORD)
    monitor.wait_for_selector("[data-testid=patient-table]")
    monitor.goto(form_url)
    raise_form = monitor.get_by_test_id("raise-query")
    raise_form.get_by_label("Item").select_option(label="Consent form version")
    raise_form.get_by_role("button", name="Raise query").click()
    raise_form = monitor.get_by_test_id("raise-query")
    expect(raise_form).to_contain_text("Write the question for the site.")
    expect(raise_form.get_by_label("Item")).to_have_value("icversion")
    shoot_monitor = guide_shots
    shoot_monitor("empty-question-sent-back")
    raise_form.get_by_label("Question for the site").fill(
        "The signed sheet in the site file reads version 2.0. Please check."
    )
    raise_form.get_by_role("button", name="Raise query").click()
    panel = monitor.get_by_test_id("queries")
    expect(panel).to_contain_text("reads version 2.0")
    expect(panel.get_by_test_id("query-status")).to_have_text("Open")
    shoot_monitor("query-raised")

    # The investigator finds it in the queries list and answers on the form.
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    investigator = watch(context.new_page(), problems)
    login(investigator, live_server, "investigator1", PASSWORD)
    investigator.wait_for_selector("[data-testid=patient-table]")
    investigator.get_by_test_id("nav-queries").click()
    rows = investigator.get_by_test_id("query-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Consent form version")
    guide_shots("queries-list", investigator)
    rows.first.get_by_role("link", name="Informed consent").click()
    answer_form = investigator.get_by_test_id("answer-form")
    answer_form.get_by_label("Your answer").fill(
        "Checked against the site file: version 2.0. Corrected on the form."
    )
    answer_form.get_by_role("button", name="Answer").click()
    panel = investigator.get_by_test_id("queries")
    expect(panel.get_by_test_id("query-status")).to_have_text("Answered")
    expect(panel.get_by_test_id("query-answer")).to_contain_text("answered by investigator1")
    expect(panel.get_by_test_id("answer-form")).to_have_count(0)
    guide_shots("query-answered", investigator)
    context.close()
    assert problems == []

    # The monitor reads the answer and closes the query.
    monitor.reload()
    panel = monitor.get_by_test_id("queries")
    expect(panel.get_by_test_id("query-answer")).to_contain_text("Corrected on the form")
    panel.get_by_test_id("close-form").get_by_role("button", name="Close query").click()
    expect(monitor.locator(".alert-success")).to_contain_text("Query closed.")
    closed = monitor.get_by_test_id("closed-queries")
    closed.locator("summary").first.click()
    expect(closed.get_by_test_id("query-closed")).to_contain_text("closed by monitor1")
    shoot_monitor("query-closed")
    query = Query.objects.get()
    assert (query.status, query.closed_by.username) == (QueryStatus.CLOSED, "monitor1")
