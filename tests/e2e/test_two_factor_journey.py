"""A data manager's first sign-in: the password, then the authenticator app set up from the
QR code's key, the recovery codes shown once, the patient list and the admin; the next sign-in
with a recovery code instead of the phone."""

import base64

import pytest
from django_otp.oath import totp

from tests.e2e.conftest import login
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


def app_code(secret_shown: str) -> str:
    """What the phone's app shows for the key typed in from the page."""
    key = base64.b32decode(secret_shown.replace(" ", ""))
    return f"{totp(key):06d}"


def test_data_manager_sets_up_two_factor_and_reaches_the_admin(
    live_server, watched_page, shoot, datamanager
):
    page = watched_page
    login(page, live_server, "datamanager", PASSWORD)
    page.wait_for_selector("[data-testid=two-factor-setup]")
    assert "/accounts/two-factor/set-up/" in page.url
    assert page.get_by_test_id("two-factor-required").is_visible()
    assert page.get_by_test_id("qr-code").is_visible()
    assert page.get_by_role("link", name="Patients").count() == 0  # nothing else until done
    shoot("set-up")

    page.get_by_label("Code from the app").fill(
        app_code(page.get_by_test_id("totp-secret").inner_text())
    )
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_selector("[data-testid=recovery-codes]")
    codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    shoot("recovery-codes")

    page.get_by_test_id("recovery-codes-kept").click()
    page.wait_for_selector("[data-testid=patient-table]")
    shoot("patients")
    page.get_by_role("navigation").get_by_role("link", name="Admin").click()
    page.wait_for_selector("#site-name")
    assert "NCT05797077 eCRF administration" in page.locator("#site-name").inner_text()
    shoot("admin")

    # The next sign-in, without the phone: a recovery code, which then says how many are left.
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Log out").click()
    login(page, live_server, "datamanager", PASSWORD)
    page.wait_for_selector("[data-testid=two-factor-code]")
    shoot("code")
    page.get_by_label("Your code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("[data-testid=patient-table]")
    assert "9 codes are left" in page.get_by_role("alert").first.inner_text()
    shoot("signed-in-with-a-recovery-code")
