"""Behind gunicorn, as in production, an export that fails after its first bytes reaches the
browser as a failed download, never as a finished one, and is logged as a failed export."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection

from tests.e2e.conftest import login_with_code
from tests.factories import PASSWORD, SiteFactory, make_patient, member
from trial.models import AccessAction, AccessLog, Role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("gunicorn_full_disk.py")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The test database, which the server process reads as the test does."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def gunicorn():
    """The app under gunicorn with the test settings, on the test database."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "LOG_LEVEL": "CRITICAL",
        "REQUEST_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "gunicorn", "trial.wsgi", "--bind", f"127.0.0.1:{port}",
        "--config", str(CONFIG),
    ]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def study():
    site = SiteFactory(code="S01", name="Site one")
    make_patient(site)
    return member("datamanager", Role.DATA_MANAGER, None, is_staff=True)


def test_export_failing_mid_stream_is_a_failed_download(gunicorn, page, study):
    login_with_code(page, SimpleNamespace(url=gunicorn), study, PASSWORD)
    page.wait_for_selector("[data-testid=patient-table]")
    page.goto(f"{gunicorn}/exports/dataset/")
    page.get_by_label("CSV: one file per table, codes and labels").check()
    with page.expect_download() as started:
        page.get_by_role("button", name="Export dataset").click()
    download = started.value
    # gunicorn closed the connection before the last chunk: the browser lists the download
    # as failed (Chromium reports it as "canceled"), never as finished
    assert download.failure() is not None
    assert AccessLog.objects.filter(action=AccessAction.EXPORT_FAILED).count() == 1
    assert not AccessLog.objects.filter(action=AccessAction.EXPORT).exists()
