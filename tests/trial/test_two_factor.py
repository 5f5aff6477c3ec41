"""Two-factor authentication: required for data managers and administrators, offered to
everyone; set up by QR code at the first sign-in; a code after the password at every sign-in;
recovery codes that work once; the admin asks for it too. Everything is in the access log."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.clients import Browser
from tests.factories import PASSWORD
from tests.two_factor import authenticator, code_now
from trial.models import AccessAction, AccessLog
from trial.two_factor import devices

PATIENTS = reverse("ecrf:patient_list")
ENROL = reverse("two_factor:enrol")
VERIFY = reverse("two_factor:verify")
OVERVIEW = reverse("two_factor:overview")
START = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


def sign_in(client, user) -> None:
    assert client.login(username=user.get_username(), password=PASSWORD)


def logged(action) -> list[AccessLog]:
    return list(AccessLog.objects.filter(action=action).order_by("pk"))


def recovery_codes_of(user) -> list[str]:
    return list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


# Required: data managers and administrators -------------------------------------------------


@pytest.mark.parametrize("persona", ["datamanager", "dm_s01", "admin_user"])
def test_who_must_have_it_is_sent_to_set_it_up_and_reaches_nothing_else(
    client, persona, request, pat_s01
):
    user = request.getfixturevalue(persona)
    sign_in(client, user)
    casebook = reverse("ecrf:casebook", args=[pat_s01.subject_id])
    for url in (PATIENTS, casebook, reverse("admin:index"), reverse("password_change")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(ENROL), url
    page = client.get(ENROL).content.decode()
    assert "Data managers and administrators give a second proof at every sign-in" in page
    assert 'src="data:image/svg+xml;base64,' in page  # the QR code
    assert 'data-testid="totp-secret"' in page
    assert 'href="/patients/"' not in page  # no menu until it is done


def test_setting_up_takes_the_first_code_and_shows_ten_recovery_codes_once(client, datamanager):
    sign_in(client, datamanager)
    client.get(ENROL)
    app = TOTPDevice.objects.get(user=datamanager, confirmed=False)
    response = client.post(ENROL, {"code": code_now(app), "next": PATIENTS})
    assert response.status_code == 200
    page = response.content.decode()
    codes = recovery_codes_of(datamanager)
    assert len(codes) == 10
    assert all(f"{code[:4]} {code[4:]}" in page for code in codes)
    assert "They are shown only now" in page
    assert f'href="{PATIENTS}"' in page

    assert client.get(PATIENTS).status_code == 200
    overview = client.get(OVERVIEW).content.decode()
    assert "10 recovery codes left" in overview
    assert not any(code in overview for code in codes)
    [enrolment] = logged(AccessAction.TWO_FACTOR_ENROL)
    assert (enrolment.user, enrolment.ip_address) == (datamanager, "127.0.0.1")


def test_the_qr_code_stays_the_same_until_it_is_confirmed(client, datamanager):
    sign_in(client, datamanager)
    first = client.get(ENROL).context["secret"]
    assert client.get(ENROL).context["secret"] == first
    assert TOTPDevice.objects.filter(user=datamanager).count() == 1


def test_a_wrong_code_does_not_set_it_up(client, datamanager):
    sign_in(client, datamanager)
    client.get(ENROL)
    response = client.post(ENROL, {"code": "000000"})
    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=datamanager, confirmed=True).exists()
    assert client.get(PATIENTS).url.startswith(ENROL)
    [failed] = logged(AccessAction.TWO_FACTOR_FAILED)
    assert "setting up" in failed.detail


def test_with_an_app_the_password_alone_does_not_reach_the_patient_list(client, datamanager):
    authenticator(datamanager)
    sign_in(client, datamanager)
    response = client.get(PATIENTS)
    assert response.status_code == 302
    assert response.url == f"{VERIFY}?next=%2Fpatients%2F"
    assert client.get(reverse("admin:index")).url.startswith(VERIFY)
    page = client.get(VERIFY).content.decode()
    assert "Your password was right" in page


def test_a_wrong_code_is_refused_and_logged(client, datamanager):
    authenticator(datamanager)
    sign_in(client, datamanager)
    response = client.post(VERIFY, {"code": "123456", "next": PATIENTS})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get(PATIENTS).status_code == 302
    [failed] = logged(AccessAction.TWO_FACTOR_FAILED)
    assert (failed.user, failed.ip_address) == (datamanager, "127.0.0.1")
    assert "Wrong code when signing in with an authenticator code" in failed.detail


def test_the_right_code_opens_the_page_asked_for_in_a_new_session(client, datamanager):
    app = authenticator(datamanager)
    sign_in(client, datamanager)
    before = client.session.session_key
    response = client.post(VERIFY, {"code": code_now(app), "next": PATIENTS})
    assert (response.status_code, response.url) == (302, PATIENTS)
    assert client.get(PATIENTS).status_code == 200
    assert client.session.session_key != before
    [verified] = logged(AccessAction.TWO_FACTOR_VERIFIED)
    assert (verified.user, verified.detail) == (datamanager, "Authenticator app code.")


def test_a_code_is_taken_once(client, datamanager):
    app = authenticator(datamanager)
    code = code_now(app)
    sign_in(client, datamanager)
    client.post(VERIFY, {"code": code})
    other = Browser()
    sign_in(other, datamanager)
    response = other.post(VERIFY, {"code": code})
    assert "That code is not right" in response.content.decode()


def test_wrong_codes_in_a_row_make_the_next_wait(client, datamanager):
    app = authenticator(datamanager)

    def at(seconds, code):
        with time_machine.travel(START + datetime.timedelta(seconds=seconds), tick=False):
            response = client.post(VERIFY, {"code": code_now(app) if code is None else code})
            return response, client.get(PATIENTS).status_code

    with time_machine.travel(START, tick=False):
        sign_in(client, datamanager)

    at(0, "111111")  # wrong: the next code is checked after 1 second
    at(0, "222222")  # too early: not checked
    at(1.1, "333333")  # wrong again: 2 seconds
    at(3.2, "444444")  # and again: 4 seconds
    waiting, patients = at(3.2, None)  # even the right code waits
    assert "Too many wrong codes in a row: wait 4 seconds" in waiting.content.decode()
    assert patients == 302
    accepted, patients = at(7.3, None)
    assert (accepted.status_code, patients) == (302, 200)
    failed = logged(AccessAction.TWO_FACTOR_FAILED)
    assert [log.detail.startswith("Code not checked") for log in failed] == [
        False,
        True,
        False,
        False,
        True,
    ]


def test_a_recovery_code_works_once(client, datamanager):
    authenticator(datamanager)
    code = devices.new_recovery_codes(user=datamanager, request=None)[0]
    sign_in(client, datamanager)
    response = client.post(VERIFY, {"code": f"{code[:4]} {code[4:]}".upper(), "next": PATIENTS})
    assert response.status_code == 302
    assert "9 codes are left" in client.get(PATIENTS).content.decode()
    [verified] = logged(AccessAction.TWO_FACTOR_VERIFIED)
    assert verified.detail == "Recovery code used; 9 left."

    again = Browser()
    sign_in(again, datamanager)
    refused = again.post(VERIFY, {"code": code})
    assert "That code is not right" in refused.content.decode()
    assert again.get(PATIENTS).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, datamanager):
    authenticator(datamanager)
    old = devices.new_recovery_codes(user=datamanager, request=None)
    client.force_login(datamanager)
    page = client.post(reverse("two_factor:recovery_codes")).content.decode()
    new = recovery_codes_of(datamanager)
    assert len(new) == 10 and not set(new) & set(old)
    assert all(f"{code[:4]} {code[4:]}" in page for code in new)
    assert logged(AccessAction.TWO_FACTOR_CODES)[-1].user == datamanager


def test_a_data_manager_cannot_switch_it_off(client, datamanager):
    client.force_login(datamanager)
    page = client.get(OVERVIEW).content.decode()
    assert "it cannot be switched off" in page
    assert client.post(reverse("two_factor:remove")).status_code == 403
    assert TOTPDevice.objects.filter(user=datamanager, confirmed=True).exists()


# Offered: everybody else --------------------------------------------------------------------


def test_an_investigator_signs_in_without_two_factor(client, inv_s01):
    sign_in(client, inv_s01)
    assert client.get(PATIENTS).status_code == 200
    page = client.get(OVERVIEW).content.decode()
    assert "Your password alone protects your account" in page
    assert 'data-testid="nav-two-factor"' in page


def test_an_investigator_who_set_it_up_gives_a_code_and_may_switch_it_off(client, inv_s01):
    sign_in(client, inv_s01)
    client.get(ENROL)
    app = TOTPDevice.objects.get(user=inv_s01)
    client.post(ENROL, {"code": code_now(app)})
    client.post(reverse("logout"))

    sign_in(client, inv_s01)
    assert client.get(PATIENTS).url.startswith(VERIFY)
    client.post(VERIFY, {"code": code_now(app, steps_later=1)})
    assert client.get(PATIENTS).status_code == 200
    assert client.post(reverse("two_factor:remove")).status_code == 302
    assert not TOTPDevice.objects.filter(user=inv_s01).exists()
    assert not recovery_codes_of(inv_s01)
    [removal] = logged(AccessAction.TWO_FACTOR_REMOVE)
    assert (removal.user, removal.detail) == (
        inv_s01,
        "Two-factor authentication of inv_s01 removed.",
    )


# The admin ----------------------------------------------------------------------------------


def test_the_admin_refuses_a_session_that_gave_no_code(client, admin_user, settings):
    authenticator(admin_user)
    client.force_login_with_password_only(admin_user)
    assert client.get(reverse("admin:index")).url.startswith(VERIFY)
    # The admin itself refuses too, without the middleware that sends to the code page.
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "trial.two_factor.middleware.TwoFactorMiddleware"
    ]
    browser = Browser()  # a new client loads the middleware of the settings
    browser.force_login_with_password_only(admin_user)
    response = browser.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("admin:login"))
    assert response.status_code == 403


def test_the_admin_opens_after_the_code(client, admin_user):
    app = authenticator(admin_user)
    sign_in(client, admin_user)
    client.post(VERIFY, {"code": code_now(app)})
    assert client.get(reverse("admin:index")).status_code == 200


def test_an_administrator_resets_a_lost_phone_from_the_admin(client, admin_user, datamanager):
    app = authenticator(datamanager)
    devices.new_recovery_codes(user=datamanager, request=None)
    client.force_login(admin_user)
    listing = client.get(reverse("admin:otp_totp_totpdevice_changelist")).content.decode()
    assert "datamanager" in listing
    assert app.key not in listing and devices.secret_text(app) not in listing
    client.post(
        reverse("admin:otp_totp_totpdevice_changelist"),
        {"action": "reset", "_selected_action": [app.pk]},
    )
    assert not TOTPDevice.objects.filter(user=datamanager).exists()
    assert not recovery_codes_of(datamanager)
    [removal] = logged(AccessAction.TWO_FACTOR_REMOVE)
    assert (removal.user, removal.detail) == (
        admin_user,
        "Two-factor authentication of datamanager removed by admin.",
    )
    data_manager = Browser()
    sign_in(data_manager, datamanager)
    assert data_manager.get(PATIENTS).url.startswith(ENROL)


def test_django_otp_admin_pages_showing_secrets_are_not_registered(client, admin_user):
    from tests.admin_site import registered
    from trial.admin import AuthenticatorAdmin

    assert isinstance(registered()[TOTPDevice], AuthenticatorAdmin)
    assert not [model for model in registered() if model._meta.model_name == "staticdevice"]


# The demo -----------------------------------------------------------------------------------


def test_demo_accounts_need_no_second_factor_and_the_login_page_says_so(client, db, settings):
    from django.core.management import call_command

    settings.DEMO = True
    call_command("seed_demo")
    page = client.get(reverse("login")).content.decode()
    assert "Two-factor authentication is offered but not required for these accounts" in page
    assert client.login(username="datamanager", password=settings.DEMO_PASSWORD)
    assert client.get(PATIENTS).status_code == 200
    administrator = Browser()
    assert administrator.login(username="admin", password=settings.DEMO_PASSWORD)
    assert administrator.get(reverse("admin:index")).status_code == 200


def test_demo_accounts_are_still_locked_after_failed_logins(client, db, settings):
    from django.core.management import call_command

    settings.DEMO = True
    call_command("seed_demo")
    for _ in range(5):
        client.login(username="datamanager", password="not-the-password")
    response = client.post(
        reverse("login"), {"username": "datamanager", "password": settings.DEMO_PASSWORD}
    )
    assert response.status_code == 429


def test_outside_the_demo_the_demo_names_must_have_it(client, datamanager, settings):
    settings.DEMO = False
    sign_in(client, datamanager)
    assert client.get(PATIENTS).url.startswith(ENROL)
