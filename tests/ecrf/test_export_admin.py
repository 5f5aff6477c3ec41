"""The admin for data managers: every trial model listed and scoped, any list exported as CSV,
Excel or JSON within the user's sites (codes or labels), the dataset from the patient list."""

import csv
import io
import json
import zipfile

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from openpyxl import load_workbook

from bench.seed import seed_study
from ecrf.models import CRF_MODELS, AdverseEvent
from tests.admin_site import registered
from tests.ecrf.test_export_dataset import build_study, rolled_back
from trial.admin import ListExport
from trial.models import AccessLog, Patient

AE_LIST = reverse("admin:ecrf_adverseevent_changelist")
AE_EXPORT = reverse("admin:ecrf_adverseevent_export")
PATIENT_LIST = reverse("admin:trial_patient_changelist")
FORMATS = {"csv": "0", "xlsx": "1", "json": "2"}
CODES, LABELS = "0", "1"


@pytest.fixture(scope="module")
def study(django_db_setup, django_db_blocker):
    yield from rolled_back(django_db_blocker, build_study)


def export_form_data(client, url, *, fmt="csv", resource=CODES) -> dict:
    """What the export page posts: its every field ticked, the format and resource chosen."""
    form = client.get(url).context["form"]
    data = {name: "on" for name, field in form.fields.items() if field.initial is True}
    data.update(format=FORMATS[fmt], resource=resource)
    return data


def exported_rows(client, url, **kwargs) -> list[dict]:
    response = client.post(url, export_form_data(client, url, **kwargs))
    assert response.status_code == 200, response.content[:500]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def trial_models():
    for app in ("trial", "ecrf"):
        for model in apps.get_app_config(app).get_models():
            if not model.__name__.startswith("Historical") and model.__name__ != "SubjectSequence":
                yield model


@pytest.mark.parametrize("model", list(trial_models()), ids=lambda m: m.__name__)
def test_every_trial_model_is_in_the_admin_with_a_list(model):
    model_admin = registered()[model]
    assert len(model_admin.list_display) > 1
    assert model_admin.list_filter or model_admin.search_fields


@pytest.mark.parametrize("model", CRF_MODELS, ids=lambda m: m.__name__)
def test_form_lists_filter_by_site_status_and_visit_and_export(model):
    model_admin = registered()[model]
    filters = [f[0] if isinstance(f, tuple) else f for f in model_admin.list_filter]
    assert {"site", "status", "visit__code"} <= set(filters)
    assert model_admin.date_hierarchy == "created_at"
    assert isinstance(model_admin, ListExport)


def test_site_data_manager_lists_only_their_site_and_is_offered_only_it(db, study, client):
    client.force_login(study.dm_s01)
    response = client.get(AE_LIST)
    assert response.status_code == 200
    sites = {form.site.code for form in response.context["cl"].result_list}
    assert sites == {"S01"}
    assert "Site two" not in response.content.decode()


def test_site_data_manager_export_holds_no_row_of_another_site(db, study, client):
    client.force_login(study.dm_s01)
    rows = exported_rows(client, AE_EXPORT)
    assert rows and {row["site"] for row in rows} == {"S01 Site one"}
    subjects = {p.subject_id for p in study.s02_patients}
    assert not subjects & {row["patient"] for row in rows}
    entry = AccessLog.objects.get(action="export")
    assert entry.user == study.dm_s01
    assert "adverse events: 3 rows, csv, stored codes" in entry.detail


def test_export_follows_the_lists_filters_and_search(db, study, client):
    client.force_login(study.datamanager)
    subject = study.s01_patients[1].subject_id
    rows = exported_rows(client, f"{AE_EXPORT}?q={subject}")
    assert {row["patient"] for row in rows} == {subject}
    rows = exported_rows(client, f"{AE_EXPORT}?site__id__exact={study.s02.pk}")
    assert {row["site"] for row in rows} == {"S02 Site two"}
    rows = exported_rows(client, f"{AE_EXPORT}?entered_in_error__exact=1")
    assert len(rows) == 1


def test_codes_or_labels_as_chosen(db, study, client):
    client.force_login(study.datamanager)
    codes = exported_rows(client, AE_EXPORT, resource=CODES)
    labels = exported_rows(client, AE_EXPORT, resource=LABELS)
    assert {"recovering", "not_recovered"} <= {row["aeout"] for row in codes}
    assert {"Recovering / resolving", "Not recovered / not resolved"} <= {
        row["aeout"] for row in labels
    }
    assert {"Yes", "No"} >= {row["aeser"] for row in labels}
    assert AccessLog.objects.filter(action="export", detail__contains="labels").count() == 1


@pytest.mark.parametrize("fmt", ["xlsx", "json"])
def test_excel_and_json_exports(db, study, client, fmt):
    client.force_login(study.dm_s01)
    response = client.post(AE_EXPORT, export_form_data(client, AE_EXPORT, fmt=fmt))
    assert response.status_code == 200
    if fmt == "json":
        rows = json.loads(response.content)
    else:
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        rows = [dict(zip(values[0], row, strict=True)) for row in values[1:]]
    assert rows and {row["site"] for row in rows} == {"S01 Site one"}


def test_import_is_off(db, study, client):
    client.force_login(study.datamanager)
    with pytest.raises(NoReverseMatch):
        reverse("admin:ecrf_adverseevent_import")
    page = client.get(AE_LIST).content.decode()
    assert AE_EXPORT in page and "/import/" not in page


def test_monitor_may_list_but_not_export(db, study, client):
    client.force_login(study.mon_s01)
    assert client.get(AE_LIST).status_code == 200
    assert client.get(AE_EXPORT).status_code == 403
    assert client.post(AE_EXPORT, {"format": "0", "resource": "0"}).status_code == 403
    assert not AccessLog.objects.filter(action="export").exists()


def test_a_filter_the_list_cannot_apply_is_sent_back_to_the_list(db, study, client):
    client.force_login(study.datamanager)
    response = client.get(f"{AE_EXPORT}?nonsense__exact=1")
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_nothing_is_deleted_from_the_admin(db, study, client):
    client.force_login(study.datamanager)
    assert offered_actions(client, AE_LIST) == set()
    ae = AdverseEvent.objects.filter(site=study.s01).first()
    delete = reverse("admin:ecrf_adverseevent_delete", args=[ae.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AdverseEvent.objects.filter(pk=ae.pk).exists()


def offered_actions(client, url) -> set[str]:
    form = client.get(url).context["action_form"]
    return {name for name, _label in form.fields["action"].choices if name} if form else set()


def test_data_managers_are_offered_the_dataset_export_on_the_patient_list(db, study, client):
    client.force_login(study.dm_s01)
    assert offered_actions(client, PATIENT_LIST) == {"export_dataset"}


def select_patients(client, patients, **extra):
    data = {"action": "export_dataset", "index": "0", "_selected_action": [p.pk for p in patients]}
    data.update(extra)
    return client.post(PATIENT_LIST, data)


def test_dataset_action_asks_for_the_format_then_streams_the_selected_patients(db, study, client):
    client.force_login(study.dm_s01)
    chosen = study.s01_patients[:1]
    page = select_patients(client, chosen)
    assert page.status_code == 200
    assert 'name="format"' in page.content.decode()
    assert not AccessLog.objects.filter(action="export").exists()
    response = select_patients(client, chosen, format="csv")
    assert response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    patients = list(csv.DictReader(io.TextIOWrapper(archive.open("patients.csv"), "utf-8")))
    assert [p["subject_id"] for p in patients] == [chosen[0].subject_id]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["scope"] == {"sites": ["S01"], "patients": "selected"}
    assert "selected patients" in AccessLog.objects.get(action="export").detail


def test_dataset_action_ignores_patients_outside_the_users_sites(db, study, client):
    client.force_login(study.dm_s01)
    response = select_patients(client, [*study.s01_patients, *study.s02_patients], format="csv")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    text = archive.read("patients.csv").decode()
    assert "S02" not in text
    assert text.count("S01-") == len(study.s01_patients)


def test_dataset_action_is_not_offered_to_a_monitor(db, study, client):
    client.force_login(study.mon_s01)
    assert "export_dataset" not in offered_actions(client, PATIENT_LIST)
    response = select_patients(client, study.s01_patients, format="csv")
    assert not getattr(response, "streaming", False)
    assert not AccessLog.objects.filter(action="export").exists()


def test_form_list_runs_the_same_queries_for_ten_times_the_rows(db, study, client):
    client.force_login(study.datamanager)
    seed_study(patients=2, sites=1, forms={AdverseEvent: 2})
    with CaptureQueriesContext(connection) as small:
        assert client.get(AE_LIST).status_code == 200
    seed_study(patients=20, sites=1, forms={AdverseEvent: 2})
    with CaptureQueriesContext(connection) as large:
        assert client.get(AE_LIST).status_code == 200
    assert AdverseEvent.objects.count() > 40
    assert len(large) == len(small)


def test_patient_list_is_scoped(db, study, client):
    client.force_login(study.dm_s01)
    response = client.get(PATIENT_LIST)
    shown = {p.subject_id for p in response.context["cl"].result_list}
    assert shown == {p.subject_id for p in study.s01_patients}
    assert Patient.objects.count() == 3


def test_another_sites_form_does_not_open_in_the_admin(db, study, client):
    client.force_login(study.dm_s01)
    ae = AdverseEvent.objects.filter(site=study.s02).first()
    change = client.get(reverse("admin:ecrf_adverseevent_change", args=[ae.pk]))
    assert change.status_code == 302  # the admin's "does not exist", as for a wrong number
    history = client.get(reverse("admin:ecrf_adverseevent_history", args=[ae.pk]))
    assert history.status_code == 404
    own = AdverseEvent.objects.filter(site=study.s01).first()
    assert client.get(reverse("admin:ecrf_adverseevent_change", args=[own.pk])).status_code == 200
