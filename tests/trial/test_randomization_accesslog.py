"""The access log: logins, failed logins, logouts and what log_access records."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import PASSWORD
from trial.accesslog import log_access
from trial.models import AccessAction, AccessLog


def test_login_and_logout_are_logged_with_the_address(client, inv_s01):
    client.post(reverse("login"), {"username": "inv_s01", "password": PASSWORD})
    client.post(reverse("logout"))
    logs = AccessLog.objects.order_by("at", "pk")
    assert [(log.action, log.user, log.ip_address) for log in logs] == [
        (AccessAction.LOGIN, inv_s01, "127.0.0.1"),
        (AccessAction.LOGOUT, inv_s01, "127.0.0.1"),
    ]


def test_failed_login_is_logged_with_the_name_typed(client, inv_s01):
    client.post(reverse("login"), {"username": "inv_s01", "password": "wrong"})
    log = AccessLog.objects.get()
    assert (log.action, log.user, log.username) == (AccessAction.LOGIN_FAILED, None, "inv_s01")


def test_log_access_takes_user_and_address_from_the_request(inv_s01, s01):
    request = RequestFactory().get("/", REMOTE_ADDR="2001:db8::1")
    request.user = inv_s01
    log = log_access(action="signature", request=request, detail="Casebook signed", site=s01)
    assert (log.user, log.username, log.ip_address, log.site) == (
        inv_s01,
        "inv_s01",
        "2001:db8::1",
        s01,
    )


def test_log_access_without_request(db):
    log = log_access(action=AccessAction.DOWNLOAD, username="someone")
    assert (log.user, log.username, log.ip_address) == (None, "someone", None)


@pytest.mark.parametrize(
    "persona, allowed",
    [
        ("datamanager", True),
        ("admin_user", True),
        ("dm_s01", False),
        ("mon_s01", False),
    ],
)
def test_access_log_in_the_admin_is_for_study_wide_auditors(client, request, persona, allowed):
    user = request.getfixturevalue(persona)
    user.is_staff = True
    user.save()
    client.force_login(user)
    response = client.get(reverse("admin:trial_accesslog_changelist"))
    assert response.status_code == (200 if allowed else 403)
