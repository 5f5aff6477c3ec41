"""Sessions end by themselves: after 30 minutes without a request and 12 hours after login. A
new login gets a new session; a password change or a deactivation ends the other sessions."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.factories import PASSWORD
from trial.models import AccessAction, AccessLog

NINE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def patients_url():
    return reverse("ecrf:patient_list")


def test_a_session_idle_for_30_minutes_ends_with_the_reason(client, inv_s01, patients_url):
    with time_machine.travel(NINE, tick=False):
        client.force_login(inv_s01)
        assert client.get(patients_url).status_code == 200
    with time_machine.travel(NINE + timedelta(minutes=31), tick=False):
        response = client.get(patients_url)
        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?next={patients_url}"
        page = client.get(response.url).content.decode()
    assert "signed out after 30 minutes without activity" in page
    logout = AccessLog.objects.get(action=AccessAction.LOGOUT, user=inv_s01)
    assert "30 minutes" in logout.detail


def test_requests_keep_the_session_alive_until_12_hours_after_login(
    client, inv_s01, patients_url
):
    with time_machine.travel(NINE, tick=False):
        client.force_login(inv_s01)
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(NINE + timedelta(minutes=minutes), tick=False):
            assert client.get(patients_url).status_code == 200, minutes
    with time_machine.travel(NINE + timedelta(hours=12, minutes=5), tick=False):
        response = client.get(patients_url, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "a session lasts at most 12 hours" in response.content.decode()


def test_stay_signed_in_keeps_a_session_whose_page_sits_open(client, inv_s01, patients_url):
    with time_machine.travel(NINE, tick=False):
        client.force_login(inv_s01)
        page = client.get(patients_url).content.decode()
    assert 'data-idle-seconds="1800"' in page and 'data-warning-seconds="120"' in page
    with time_machine.travel(NINE + timedelta(minutes=28, seconds=30), tick=False):
        kept = client.post(reverse("session_keepalive"))
        assert kept.status_code == 200 and kept.json() == {"idle_seconds": 1800}
    with time_machine.travel(NINE + timedelta(minutes=50), tick=False):
        assert client.get(patients_url).status_code == 200


def test_a_page_part_asked_after_the_session_ended_sends_the_whole_page_to_login(
    client, inv_s01, patients_url
):
    with time_machine.travel(NINE, tick=False):
        client.force_login(inv_s01)
        client.get(patients_url)
    with time_machine.travel(NINE + timedelta(hours=1), tick=False):
        response = client.get(patients_url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_login_gives_a_new_session_key(client, inv_s01):
    client.get(reverse("login"))
    session = client.session
    session["language_seen"] = True
    session.save()
    before = session.session_key
    response = client.post(reverse("login"), {"username": "inv_s01", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.session_key != before


def test_a_password_change_ends_the_users_other_sessions(client, inv_s01, patients_url):
    from tests.clients import Browser

    other_browser = Browser()
    assert other_browser.login(username="inv_s01", password=PASSWORD)
    assert client.login(username="inv_s01", password=PASSWORD)
    new_password = "a-much-longer-passphrase-2026"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    assert client.get(patients_url).status_code == 200  # the session that changed it stays
    assert other_browser.get(patients_url).status_code == 302


def test_deactivating_a_user_ends_their_sessions(client, inv_s01, patients_url):
    client.force_login(inv_s01)
    assert client.get(patients_url).status_code == 200
    inv_s01.is_active = False
    inv_s01.save()
    assert client.get(patients_url).status_code == 302
