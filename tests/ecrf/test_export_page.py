"""The "Export dataset" page: data managers choose a format and a site and get the ZIP."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from tests.ecrf.test_export_dataset import build_study, rolled_back
from trial.models import AccessLog

URL = reverse("ecrf:export_dataset")


@pytest.fixture(scope="module")
def study(django_db_setup, django_db_blocker):
    yield from rolled_back(django_db_blocker, build_study)


def download(response) -> zipfile.ZipFile:
    assert response.streaming
    assert not response.has_header("Content-Length")
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_page_offers_every_format_and_only_the_users_sites(db, study, client):
    client.force_login(study.dm_s01)
    response = client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    for fmt in ("csv", "xlsx", "sas", "stata", "spss", "odm"):
        assert f'value="{fmt}"' in content
    sites = response.context["form"].fields["site"].queryset
    assert list(sites.values_list("code", flat=True)) == ["S01"]
    assert 'data-testid="export-preparing"' in content


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sas", "stata", "spss", "odm"])
def test_each_format_downloads_as_a_streamed_zip(db, study, client, fmt):
    client.force_login(study.datamanager)
    response = client.post(URL, {"format": fmt})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="NCT05797077_')
    archive = download(response)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == fmt
    assert {f["name"] for f in manifest["files"]} == set(archive.namelist()) - {"manifest.json"}


def test_site_data_manager_download_holds_only_their_site(db, study, client):
    client.force_login(study.dm_s01)
    archive = download(client.post(URL, {"format": "csv"}))
    text = archive.read("patients.csv").decode()
    assert "S01-001" in text and "S02" not in text
    entry = AccessLog.objects.get(action="export")
    assert entry.user == study.dm_s01
    assert entry.ip_address == "127.0.0.1"


def test_one_site_of_a_study_wide_data_manager(db, study, client):
    client.force_login(study.datamanager)
    archive = download(client.post(URL, {"format": "csv", "site": study.s02.pk}))
    assert json.loads(archive.read("manifest.json"))["scope"]["sites"] == ["S02"]
    assert AccessLog.objects.get(action="export").site == study.s02


def test_another_sites_choice_is_refused_at_the_field(db, study, client):
    client.force_login(study.dm_s01)
    response = client.post(URL, {"format": "csv", "site": study.s02.pk})
    assert response.status_code == 200
    assert "site" in response.context["form"].errors
    assert not AccessLog.objects.filter(action="export").exists()


@pytest.mark.parametrize("data", [{"format": "pdf"}, {}, {"format": "csv", "site": "x"}])
def test_bad_input_is_shown_at_the_field(db, study, client, data):
    client.force_login(study.datamanager)
    response = client.post(URL, data)
    assert response.status_code == 200
    assert not response.streaming
    assert not AccessLog.objects.filter(action="export").exists()


def test_staff_who_may_not_export_are_refused(db, study, client):
    for user in (study.inv_s01, study.mon_s01):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"format": "csv"}).status_code == 403
    assert not AccessLog.objects.filter(action="export").exists()
