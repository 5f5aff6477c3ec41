"""A newcomer logs in with the demo password shown and sees only their site's patients."""

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


def test_investigator_logs_in_with_demo_password_and_sees_own_site(
    live_server, watched_page, shoot, settings
):
    settings.DEMO = True
    call_command("seed_demo")
    page = watched_page
    page.goto(f"{live_server.url}/accounts/login/")
    demo_box = page.get_by_test_id("demo-logins")
    assert settings.DEMO_PASSWORD in demo_box.inner_text()
    shoot("login")
    login(page, live_server, "investigator1", settings.DEMO_PASSWORD)
    page.wait_for_selector("[data-testid=patient-table]")
    shoot("patients")
    table = page.get_by_test_id("patient-table").inner_text()
    assert "S01-001" in table
    assert "S02-" not in table
    assert "S01" in page.get_by_test_id("user-roles").inner_text()
