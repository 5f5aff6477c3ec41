"""A form left open: the page warns before the session ends for inactivity, and "Stay signed in"
keeps the session without leaving the page, so what was typed is still there and saves."""

import pytest
from django.urls import reverse

from tests.e2e.conftest import login
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


def test_warning_before_the_idle_end_and_staying_signed_in_keeps_typed_input(
    live_server, watched_page, shoot, settings, inv_s01, pat_s01
):
    settings.SESSION_IDLE_TIMEOUT = 124  # the warning (120 s before the end) comes after 4 s
    page = watched_page
    login(page, live_server, "inv_s01", PASSWORD)
    url = reverse("ecrf:form_new", args=[pat_s01.subject_id, "vital_signs"])
    page.goto(f"{live_server.url}{url}")
    page.fill("#id_weight", "71.5")
    warning = page.get_by_test_id("session-warning")
    assert warning.is_hidden()
    warning.wait_for(state="visible", timeout=15_000)
    assert "signed out in 2 minutes" in warning.inner_text()
    shoot("warning")
    page.get_by_test_id("session-stay").click()
    warning.wait_for(state="hidden", timeout=5_000)
    assert page.input_value("#id_weight") == "71.5"
    assert page.get_by_test_id("session-ended").is_hidden()
    shoot("stayed")


def test_the_page_says_so_when_the_session_has_ended(
    live_server, watched_page, settings, inv_s01, pat_s01
):
    settings.SESSION_IDLE_TIMEOUT = 3
    settings.SESSION_IDLE_WARNING = 2
    page = watched_page
    login(page, live_server, "inv_s01", PASSWORD)
    page.get_by_test_id("session-ended").wait_for(state="visible", timeout=15_000)
    assert "Copy anything you typed" in page.get_by_test_id("session-ended").inner_text()
