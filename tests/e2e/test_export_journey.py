"""A data manager exports the dataset: on a full disk the page says the export could not be
written; once there is room the download arrives, a medication typed as "=1+1" reads as text
in it, and the access log shows the failed export and the one that finished."""

import csv
import errno
import io
import os
import zipfile

import pytest
from django.contrib.auth import get_user_model
from openpyxl import Workbook
from playwright.sync_api import expect

from ecrf import services
from ecrf.models import ConcomitantMedication
from tests.e2e.conftest import ARTIFACTS, login_with_code, watch
from tests.ecrf.builders import randomized
from tests.factories import PASSWORD, SiteFactory, make_patient, member
from trial.models import Role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


@pytest.fixture
def study():
    site = SiteFactory(code="S01", name="Site one")
    investigator = member("investigator1", Role.INVESTIGATOR, site)
    member("datamanager", Role.DATA_MANAGER, None, is_staff=True)
    patient = randomized(make_patient(site, sex="F", birth_year=1966), investigator)
    services.crf_create(
        model=ConcomitantMedication,
        patient=patient,
        acting_user=investigator,
        data={"cmtrt": "=1+1", "cmindc": "Nausea", "cmroute": "oral"},
    )


@pytest.fixture
def shoot_expecting_an_error(page, request):
    """Screenshots as the shoot fixture takes them, for a journey with one error page."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def _shoot(step: str):
        name = f"{request.node.name}-{next(counter):02d}-{step}.png"
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)

    return _shoot


def test_failed_export_is_told_then_the_next_one_downloads(
    live_server, page, shoot_expecting_an_error, study, monkeypatch
):
    shoot = shoot_expecting_an_error
    problems = []
    watch(page, problems)
    page.set_viewport_size({"width": 1400, "height": 900})
    datamanager = get_user_model().objects.get(username="datamanager")
    login_with_code(page, live_server, datamanager, PASSWORD)
    page.wait_for_selector("[data-testid=patient-table]")

    # The server's disk is full while the Excel workbooks are written.
    def full_disk(workbook, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Workbook, "save", full_disk)
    page.get_by_role("link", name="Export dataset").click()
    page.get_by_label("Excel: one workbook per table, codes and labels").check()
    page.get_by_role("button", name="Export dataset").click()
    failed = page.get_by_test_id("export-failed")
    expect(failed).to_contain_text("The export could not be written")
    expect(failed).to_contain_text("nothing was downloaded")
    shoot("export-could-not-be-written")
    assert problems == [
        f"HTTP 503: {live_server.url}/exports/dataset/",
        "console: Failed to load resource: the server responded with a status of 503 "
        "(Service Unavailable)",
    ]
    problems.clear()

    # With room on the disk again, the CSV export downloads whole.
    monkeypatch.undo()
    page.get_by_role("link", name="Back to Export dataset").click()
    page.get_by_label("CSV: one file per table, codes and labels").check()
    with page.expect_download() as started:
        page.get_by_role("button", name="Export dataset").click()
    download = started.value
    assert download.failure() is None
    archive = zipfile.ZipFile(download.path())
    rows = csv.DictReader(io.TextIOWrapper(archive.open("concomitant_medication.csv"), "utf-8"))
    assert [row["cmtrt"] for row in rows] == ["'=1+1"]
    shoot("export-downloaded")
    # Chromium reports a form post that turns into a download as an aborted navigation.
    assert problems == [f"request failed: {live_server.url}/exports/dataset/"]
    problems.clear()

    # The access log tells the two apart.
    page.goto(f"{live_server.url}/admin/trial/accesslog/")
    entries = page.locator("#result_list tbody tr")
    expect(entries.filter(has_text="Failed export")).to_have_count(1)
    expect(entries.filter(has_text="Failed export")).to_contain_text("No space left on device")
    expect(entries.filter(has_text="Study dataset (csv)")).to_contain_text("Export")
    shoot("access-log")
    assert problems == []
