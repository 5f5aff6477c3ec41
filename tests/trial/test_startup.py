"""Start-up stays light: the admin modules (and django-import-export with openpyxl and numpy)
load with the URLs or the system checks, not with every management command."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys, django
django.setup()
from django.contrib import admin
from django.core import checks
print(len(admin.site._registry), "openpyxl" in sys.modules)
errors = checks.run_checks(tags=[checks.Tags.admin])
print(len(admin.site._registry), len(errors))
"""


def test_admin_loads_with_its_checks_not_with_django(monkeypatch):
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "trial.settings")
    monkeypatch.setenv("SECRET_KEY", "start-up-probe")
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    at_start, after_checks = done.stdout.splitlines()
    assert at_start == "0 False"
    registered, errors = map(int, after_checks.split())
    assert registered > 30 and errors == 0
