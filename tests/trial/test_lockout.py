"""Brute force: five failed logins for a user name, or from an address, lock it for 15 minutes,
attempts sent together included; the page says so and when to try again; lockouts and unlocks
are in the access log; an administrator unlocks from the admin."""

import datetime
import threading
import time

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from django.urls import reverse

from tests.clients import Browser
from tests.factories import PASSWORD
from trial.models import AccessAction, AccessLog

LOGIN = reverse("login")
PATIENTS = reverse("ecrf:patient_list")
START = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


def attempt(client, username="inv_s01", password="wrong-password", **headers):
    return client.post(LOGIN, {"username": username, "password": password}, **headers)


def signed_in(client) -> bool:
    return client.get(PATIENTS).status_code == 200


def test_five_failures_lock_the_user_and_the_right_password_then_does_not_log_in(client, inv_s01):
    for _ in range(4):
        assert attempt(client).status_code == 200  # the login form again, with its error
    locked = attempt(client)
    assert locked.status_code == 429
    right = attempt(client, password=PASSWORD)
    assert right.status_code == 429
    assert "Sign-in locked" in right.content.decode()
    assert not signed_in(client)


def test_the_locked_out_page_says_why_and_when_to_try_again(client, inv_s01):
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            attempt(client)
        page = attempt(client, password=PASSWORD).content.decode()
    assert "There were 5 failed sign-ins for this user name or from this network address" in page
    assert "locked for 15 minutes" in page
    assert "Try again after 2026-03-02 10:15 UTC, in about 15 minutes." in page
    assert "ask an administrator" in page
    assert 'data-testid="language-form"' in page  # in the eCRF's frame, with its menus


def test_the_locked_out_page_is_translated(client, inv_s01):
    client.cookies["django_language"] = "zh-hans"
    for _ in range(5):
        attempt(client)
    page = attempt(client, password=PASSWORD).content.decode()
    assert "登录已锁定" in page
    assert "Sign-in locked" not in page


def test_the_lock_ends_after_fifteen_minutes(client, inv_s01):
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            attempt(client)
    with time_machine.travel(START + datetime.timedelta(minutes=14), tick=False):
        assert attempt(client, password=PASSWORD).status_code == 429
    with time_machine.travel(START + datetime.timedelta(minutes=15, seconds=1), tick=False):
        assert attempt(client, password=PASSWORD).status_code == 302
        assert signed_in(client)


def test_attempts_refused_while_locked_do_not_prolong_the_lock(client, inv_s01):
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            attempt(client)
    with time_machine.travel(START + datetime.timedelta(minutes=10), tick=False):
        assert attempt(client).status_code == 429
    with time_machine.travel(START + datetime.timedelta(minutes=15, seconds=1), tick=False):
        assert attempt(client, password=PASSWORD).status_code == 302


def test_five_failures_from_one_address_lock_that_address_for_every_user_name(
    client, inv_s01, inv_s02
):
    for name in ("alice", "bob", "carol", "dave", "erin"):
        attempt(client, username=name, REMOTE_ADDR="198.51.100.7")
    assert attempt(client, password=PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429
    # The user names tried once each are not locked from elsewhere.
    other = Client()
    assert attempt(other, "inv_s01", PASSWORD, REMOTE_ADDR="198.51.100.8").status_code == 302


def test_five_failures_for_a_user_name_lock_it_from_every_address(client, inv_s01):
    for n in range(5):
        attempt(client, REMOTE_ADDR=f"198.51.100.{n + 1}")
    assert attempt(Client(), password=PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429


def test_a_spoofed_forwarded_address_does_not_escape_the_address_lock(client, inv_s01, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    for n, name in enumerate(("alice", "bob", "carol", "dave", "erin")):
        attempt(client, username=name, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    refused = attempt(client, password=PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert refused.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_behind_a_trusted_proxy_the_lock_is_on_the_client_not_the_proxy(client, inv_s01, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    via_proxy = {"REMOTE_ADDR": "10.0.0.5"}
    for name in ("alice", "bob", "carol", "dave", "erin"):
        attempt(client, username=name, HTTP_X_FORWARDED_FOR="192.0.2.10", **via_proxy)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.10"}
    # Another person behind the same proxy still signs in.
    colleague = attempt(Client(), password=PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.11", **via_proxy)
    assert colleague.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_twenty_attempts_at_once_check_at_most_five_passwords(inv_s01, monkeypatch):
    User = get_user_model()
    checked = []
    counter_lock = threading.Lock()
    check_password = User.check_password

    def counted_check(user, raw_password):
        with counter_lock:
            checked.append(raw_password)
        time.sleep(0.05)  # as long as a real password hash takes: the attempts overlap
        return check_password(user, raw_password)

    monkeypatch.setattr(User, "check_password", counted_check)
    start = threading.Barrier(20)
    statuses = []

    def one_attempt():
        try:
            browser = Client()
            start.wait()
            statuses.append(attempt(browser).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one_attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(statuses) == 20
    assert len(checked) <= 5
    assert statuses.count(429) >= 15
    assert AccessAttempt.objects.get().failures_since_start == 5
    browser = Client()
    assert attempt(browser, password=PASSWORD).status_code == 429
    assert not signed_in(browser)


def test_the_lockout_is_in_the_access_log_once(client, inv_s01):
    for _ in range(7):
        attempt(client, REMOTE_ADDR="198.51.100.7")
    lockout = AccessLog.objects.get(action=AccessAction.LOCKOUT)
    assert (lockout.username, lockout.ip_address, lockout.user) == (
        "inv_s01",
        "198.51.100.7",
        None,
    )
    assert "after 5 failed logins" in lockout.detail
    failed = AccessLog.objects.filter(action=AccessAction.LOGIN_FAILED).order_by("pk")
    refused = [log for log in failed if "no password was checked" in log.detail]
    assert (failed.count(), len(refused)) == (7, 2)


def unlock_in_the_admin(client, attempts):
    return client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "unlock", "_selected_action": [a.pk for a in attempts]},
        follow=True,
    )


def test_an_administrator_unlocks_from_the_admin_and_the_log_says_who(client, inv_s01, admin_user):
    for _ in range(5):
        attempt(client, REMOTE_ADDR="198.51.100.7")
    assert attempt(client, password=PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429

    administrator = Browser()
    administrator.force_login(admin_user)
    listing = administrator.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert "inv_s01" in listing.content.decode()
    done = unlock_in_the_admin(administrator, AccessAttempt.objects.all())
    assert "Unlocked 1 user name and address" in done.content.decode()

    unlock = AccessLog.objects.get(action=AccessAction.UNLOCK)
    assert (unlock.user, unlock.username) == (admin_user, "admin")
    assert "'inv_s01' and address 198.51.100.7" in unlock.detail
    assert attempt(client, password=PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_a_data_manager_neither_sees_nor_unlocks_the_attempts(client, inv_s01, datamanager):
    for _ in range(5):
        attempt(Client())
    client.force_login(datamanager)
    url = reverse("admin:axes_accessattempt_changelist")
    assert client.get(url).status_code == 403
    unlock_in_the_admin(client, AccessAttempt.objects.all())
    assert AccessAttempt.objects.exists()
    assert not AccessLog.objects.filter(action=AccessAction.UNLOCK).exists()


def test_the_admin_has_no_login_form_of_its_own(client, inv_s01):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next=/admin/"
    client.force_login(inv_s01)
    assert client.get("/admin/login/").status_code == 403
