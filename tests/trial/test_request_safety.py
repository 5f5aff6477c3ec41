"""What a request can do to the server: impossible input is a 400 or 404, never a 500; errors and
the health check tell an outsider nothing; every response carries the security headers; every
request has an ID that the JSON log repeats with the user."""

import io
import json
import logging
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.parametrize(
    "address",
    [
        "/audit/export/?patient=%00",
        "/patients/?q=S01%00",
        "/queries/?status=%00open",
        "/patients/S01-001%00/audit/",
        "/patients/S01-001/forms/vital_signs%00/",
        "/patients/S01-001/visits/unscheduled/?x%00=1",
    ],
)
def test_a_nul_byte_anywhere_in_the_address_is_a_400_page(client, inv_s01, pat_s01, address):
    client.force_login(inv_s01)
    response = client.get(address)
    assert response.status_code == 400
    assert "Address not understood" in response.content.decode()


@pytest.mark.parametrize(
    "address",
    [
        "/patients/S01-001/forms/vital_signs/99999999999999999999999/",
        "/patients/S01-001/forms/vital_signs/1/queries/99999999999999999999/answer/",
        "/patients/..%2F..%2Fetc/audit/",
        "/patients/S01-001/forms/vital_signs/-1/history/",
    ],
)
def test_addresses_that_cannot_name_a_record_are_a_404(client, inv_s01, pat_s01, address):
    client.force_login(inv_s01)
    assert client.get(address).status_code == 404


def test_the_500_page_speaks_plainly_and_needs_nothing_from_the_database(db):
    response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "tell your data manager" in page
    assert "Traceback" not in page


class UnreachableDatabase:
    def cursor(self):
        raise OperationalError(
            'connection to server at "db.internal" (10.0.0.5), port 5432 failed: refused'
        )


def test_health_check_tells_an_anonymous_caller_only_not_ok(client, db, monkeypatch):
    monkeypatch.setattr("trial.views.connection", UnreachableDatabase())
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "not ok"}
    assert b"5432" not in response.content and b"db.internal" not in response.content


def test_pages_with_patient_data_are_never_stored_by_a_browser_or_proxy(client, inv_s01, pat_s01):
    client.force_login(inv_s01)
    for url in (reverse("ecrf:patient_list"), reverse("ecrf:casebook", args=[pat_s01.subject_id])):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"]


def test_every_page_has_a_strict_content_security_policy_and_permissions_policy(
    client, inv_s01
):
    for url, login in ((reverse("login"), False), (reverse("ecrf:patient_list"), True)):
        if login:
            client.force_login(inv_s01)
        response = client.get(url)
        policy = dict(
            part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
        )
        assert policy["script-src"] == "'self'"
        assert policy["style-src"] == "'self'"
        assert policy["frame-ancestors"] == "'none'"
        assert "unsafe" not in response["Content-Security-Policy"]
        assert "camera=()" in response["Permissions-Policy"]


def test_no_template_of_the_project_has_inline_script_style_or_event_handler():
    offending = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for marker in ("<script>", "<style", ' style="', " onclick=", " onchange=", " onsubmit="):
            if marker in text:
                offending.append(f"{template.relative_to(TEMPLATES)}: {marker.strip()}")
    assert offending == []


@pytest.fixture
def log_output():
    """What the configured console handler writes (JSON lines), read from a buffer."""
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler))
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def test_each_request_has_an_id_that_the_json_log_repeats_with_the_user(
    client, inv_s01, log_output
):
    client.force_login(inv_s01)
    response = client.get(reverse("ecrf:patient_list"), {"q": "secret-search"})
    out = log_output.getvalue()
    lines = [json.loads(line) for line in out.splitlines()]
    request_line = next(line for line in lines if line.get("message") == "request")
    assert request_line["request_id"] == response["X-Request-ID"]
    assert request_line["user"] == "inv_s01"
    assert request_line["status"] == 200 and request_line["route"] == "patients/"
    assert "secret-search" not in out  # query strings and form values never reach the log


def test_a_well_formed_request_id_from_the_proxy_is_kept_and_a_bad_one_replaced(client, db):
    kept = client.get(reverse("login"), headers={"X-Request-ID": "proxy-1234abcd"})
    assert kept["X-Request-ID"] == "proxy-1234abcd"
    replaced = client.get(reverse("login"), headers={"X-Request-ID": "<script>"})
    assert replaced["X-Request-ID"] != "<script>" and len(replaced["X-Request-ID"]) == 32
