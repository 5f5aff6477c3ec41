"""Exporting the trail as CSV: per patient, per site or the study; scoped, streamed, logged."""

import csv
import io
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from ecrf import services
from ecrf.audit import EXPORT_COLUMNS
from ecrf.models import VitalSigns
from tests.ecrf.test_audit_pages import add_history_rows
from trial.models import AccessAction, AccessLog, Site


def export(client, **query):
    url = reverse("ecrf:audit_export")
    response = client.get(url, query, REMOTE_ADDR="10.0.0.7")
    return response


def rows(response) -> list[dict]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def two_sites(inv_s01, inv_s02, pat_s01, pat_s02):
    Site.objects.filter(code="S01").update(time_zone="Asia/Shanghai")
    crfs = {}
    for user, patient, weight in ((inv_s01, pat_s01, 70), (inv_s02, pat_s02, 60)):
        crf = services.crf_create(
            model=VitalSigns, patient=patient, acting_user=user, data={"weight": weight}
        )
        crfs[patient.site.code] = services.crf_save(
            crf=crf,
            data={"weight": Decimal(weight + 1)},
            acting_user=user,
            loaded_version=crf.version,
        )
    return crfs


def test_patient_export_has_one_line_per_changed_value(client, mon_s01, pat_s01, two_sites):
    client.force_login(mon_s01)
    response = export(client, patient=pat_s01.subject_id)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert pat_s01.subject_id in response["Content-Disposition"]
    lines = rows(response)
    assert list(lines[0]) == list(EXPORT_COLUMNS)
    assert {line["subject_id"] for line in lines} == {pat_s01.subject_id}
    weight = [line for line in lines if line["field"] == "weight"]
    assert [(w["old_value"], w["new_value"], w["user"], w["role"]) for w in weight] == [
        ("", "70.0", "inv_s01", "Investigator"),
        ("70.0", "71.0", "inv_s01", "Investigator"),
    ]
    assert weight[0]["time_site"].endswith("+08:00")  # the site's zone
    assert weight[0]["time_utc"].endswith("+00:00")
    assert weight[1]["field_label"] == "Weight (kg)"


def test_export_is_logged_with_user_address_and_what(client, mon_s01, pat_s01, two_sites):
    client.force_login(mon_s01)
    rows(export(client, patient=pat_s01.subject_id))
    log = AccessLog.objects.get(action=AccessAction.EXPORT)
    assert (log.user, log.ip_address, log.site) == (mon_s01, "10.0.0.7", pat_s01.site)
    assert pat_s01.subject_id in log.detail and "Audit trail" in log.detail


def test_site_export_keeps_to_the_site(client, datamanager, s01, two_sites):
    client.force_login(datamanager)
    lines = rows(export(client, site="S01"))
    assert {line["site"] for line in lines} == {"S01"}
    kinds = {line["record_kind"] for line in lines}
    assert {"patient", "vital_signs", "membership"} <= kinds


def test_study_export_of_a_monitor_holds_only_their_sites(client, mon_s01, two_sites):
    client.force_login(mon_s01)
    lines = rows(export(client))
    assert lines and {line["site"] for line in lines} <= {"S01", ""}
    assert not [line for line in lines if line["subject_id"].startswith("S02")]
    assert "study" in AccessLog.objects.get(action=AccessAction.EXPORT).detail


def test_study_export_of_a_study_wide_data_manager_holds_every_site(client, datamanager, two_sites):
    client.force_login(datamanager)
    lines = rows(export(client))
    assert {"S01", "S02"} <= {line["site"] for line in lines}


@pytest.mark.parametrize("query", [{"patient": "S02-001"}, {"site": "S02"}, {"site": "ZZ9"}])
def test_monitor_of_s01_cannot_export_s02(client, mon_s01, two_sites, query):
    client.force_login(mon_s01)
    assert export(client, **query).status_code == 404
    assert not AccessLog.objects.filter(action=AccessAction.EXPORT).exists()


def test_large_export_is_complete_and_in_order(client, datamanager, pat_s01, two_sites):
    add_history_rows(two_sites["S01"], 1200)  # more than two chunks
    client.force_login(datamanager)
    lines = [line for line in rows(export(client, patient=pat_s01.subject_id))]
    saves = [line["reason"] for line in lines if line["reason"].startswith("Save ")]
    assert saves == [f"Save {n}" for n in range(1200)]
    times = [line["time_utc"] for line in lines]
    assert times == sorted(times)
