"""The pieces of the two set-up commands: settings, health check, demo data, deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from trial.models import Membership, Patient, PatientStatus, Site

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    dropped = {"SECRET_KEY", "DEBUG", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full_env = {k: v for k, v in os.environ.items() if k not in dropped}
    full_env["DJANGO_SETTINGS_MODULE"] = "trial.settings"  # the app's, not the test suite's
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_deploy_check_has_no_warnings_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="k" * 64 + "-production-like-secret-with-enough-variety-0123456789",
        ALLOWED_HOSTS="ecrf.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_healthz_answers_without_login_or_session(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "sessionid" not in response.cookies


def test_seed_demo_is_idempotent_and_follows_the_contract(db, settings):
    from ecrf.models.workflow import Query

    call_command("seed_demo")
    counts = (
        Site.objects.count(),
        Membership.objects.count(),
        Patient.objects.count(),
        Query.objects.count(),
    )
    call_command("seed_demo")
    assert (
        Site.objects.count(),
        Membership.objects.count(),
        Patient.objects.count(),
        Query.objects.count(),
    ) == counts
    assert set(Site.objects.values_list("code", flat=True)) == {"S01", "S02"}
    users = get_user_model().objects
    for username in (
        "investigator1",
        "coordinator1",
        "monitor1",
        "investigator2",
        "coordinator2",
        "monitor2",
        "datamanager",
        "admin",
    ):
        assert users.get(username=username).check_password(settings.DEMO_PASSWORD)
    assert users.get(username="admin").is_superuser
    assert Membership.objects.get(user__username="datamanager").site is None
    assert Membership.objects.get(user__username="monitor2").site.code == "S02"
    for site in ("S01", "S02"):
        statuses = set(Patient.objects.filter(site__code=site).values_list("status", flat=True))
        assert statuses == set(PatientStatus.values), site
        # A monitor's visit: a query waiting for the site, one for the monitor, one closed.
        queries = Query.objects.filter(site__code=site)
        assert sorted(queries.values_list("status", flat=True)) == ["answered", "closed", "open"]
        assert {q.raised_by.username for q in queries} == {f"monitor{site[-1]}"}


@pytest.mark.parametrize("demo, shown", [(True, True), (False, False)])
def test_login_page_shows_demo_password_only_in_demo_mode(client, db, settings, demo, shown):
    settings.DEMO = demo
    page = client.get(reverse("login")).content.decode()
    assert (settings.DEMO_PASSWORD in page) is shown


def test_login_logout_and_password_change(client, inv_s01):
    from tests.factories import PASSWORD

    response = client.post(reverse("login"), {"username": "inv_s01", "password": PASSWORD})
    assert response.status_code == 302
    page = client.get(reverse("home"), follow=True).content.decode()
    assert "S01" in page and "Investigator" in page
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-Pass-2027!",
            "new_password2": "a-new-Pass-2027!",
        },
    )
    assert response.status_code == 302
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_users_cannot_be_deleted_in_admin(client, admin_user, inv_s01):
    client.force_login(admin_user)
    response = client.get(reverse("admin:auth_user_delete", args=[inv_s01.pk]))
    assert response.status_code == 403
