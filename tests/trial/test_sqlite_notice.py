"""The admin's home page says that the immutability of the audit trail needs PostgreSQL, on SQLite
(the demo of `make run`) only."""

import os
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
NOTICE = "The immutability of the audit trail needs PostgreSQL."

# The demo's settings (make run) on a fresh SQLite file, its tables made straight from the models
# (as pytest --no-migrations does, in a second rather than a minute), then the admin's home page.
ADMIN_HOME_ON_SQLITE = """
import django
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
settings.MIGRATION_MODULES = {app.label: None for app in django.apps.apps.get_app_configs()}
call_command("migrate", run_syncdb=True, verbosity=0)
admin = get_user_model().objects.create_superuser("admin", password="a-long-password-2026")
client = Client()
client.force_login(admin)
response = client.get("/admin/")
print(response.status_code)
print(response.content.decode())
"""


def test_admin_home_on_sqlite_says_immutability_needs_postgresql(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "trial.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DEBUG": "1",
        "DEMO": "1",
        "LOG_LEVEL": "ERROR",
        "REQUEST_LOG_LEVEL": "ERROR",
    }
    done = subprocess.run(
        [sys.executable, "-c", ADMIN_HOME_ON_SQLITE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    status, page = done.stdout.split("\n", 1)
    assert status == "200"
    assert NOTICE in page
    assert "Use PostgreSQL for real trial data." in page


def test_admin_home_on_postgresql_has_no_such_notice(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "immutability of the audit trail" not in response.content.decode()
