"""An export that fails says so: to the user (a page, or a download the browser marks as
failed) and in the access log ("Failed export" with the reason, never "Export")."""

import errno
import io
import os
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.urls import reverse
from import_export.formats.base_formats import XLSX
from openpyxl import Workbook

from ecrf import audit
from ecrf.exports import csv as csv_format
from ecrf.exports.dataset import start_export
from tests.ecrf.test_export_admin import AE_EXPORT, export_form_data, select_patients
from tests.ecrf.test_export_dataset import build_study, rolled_back
from trial.models import AccessAction, AccessLog

EXPORT_PAGE = reverse("ecrf:export_dataset")
AUDIT_EXPORT = reverse("ecrf:audit_export")
FULL_DISK = os.strerror(errno.ENOSPC)


@pytest.fixture(scope="module")
def study(django_db_setup, django_db_blocker):
    yield from rolled_back(django_db_blocker, build_study)


@pytest.fixture
def temporary_folder(tmp_path, monkeypatch):
    """The server's temporary files land here, so a test sees what is left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(folder))
    return folder


def full_disk():
    return OSError(errno.ENOSPC, FULL_DISK)


def disk_fills_after(count: int):
    """A save or write that works count times, then finds the disk full."""
    calls = iter(range(count + 1))

    def fail_at_the_end():
        if next(calls, count) == count:
            raise full_disk()

    return fail_at_the_end


def logged(action) -> list[AccessLog]:
    return list(AccessLog.objects.filter(action=action))


def received_until_it_breaks(response) -> tuple[bytes, BaseException]:
    """What a client receives of a stream that breaks off: the error is raised to the server."""
    received = []
    with pytest.raises(Exception) as broken:
        for chunk in response.streaming_content:
            received.append(chunk)
    return b"".join(received), broken.value


# The dataset: failures before the first byte ---------------------------------------------


def test_excel_export_on_a_full_disk_is_a_page_that_says_so(
    db, study, client, monkeypatch, temporary_folder
):
    fills = disk_fills_after(3)  # three workbooks are written, the fourth finds the disk full
    save = Workbook.save
    monkeypatch.setattr(Workbook, "save", lambda book, path: (fills(), save(book, path)))
    client.force_login(study.datamanager)
    response = client.post(EXPORT_PAGE, {"format": "xlsx"})
    assert response.status_code == 503
    assert not response.streaming
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert 'data-testid="export-failed"' in page
    assert "The export could not be written" in page
    assert "nothing was downloaded" in page
    [failed] = logged(AccessAction.EXPORT_FAILED)
    assert failed.user == study.datamanager
    assert "Study dataset (xlsx)" in failed.detail and FULL_DISK in failed.detail
    assert logged(AccessAction.EXPORT) == []
    assert list(temporary_folder.iterdir()) == []  # nothing is left on the server


def test_excel_export_page_says_so_in_chinese(db, study, client, monkeypatch):
    monkeypatch.setattr(Workbook, "save", lambda book, path: disk_fills_after(0)())
    client.force_login(study.datamanager)
    client.cookies["django_language"] = "zh-hans"
    page = client.post(EXPORT_PAGE, {"format": "xlsx"}).content.decode()
    assert "无法写入导出文件" in page


def test_admin_dataset_action_on_a_full_disk_is_the_same_page(db, study, client, monkeypatch):
    monkeypatch.setattr(Workbook, "save", lambda book, path: disk_fills_after(0)())
    client.force_login(study.datamanager)
    response = select_patients(client, study.s01_patients, format="xlsx")
    assert response.status_code == 503
    assert "The export could not be written" in response.content.decode()
    assert len(logged(AccessAction.EXPORT_FAILED)) == 1
    assert logged(AccessAction.EXPORT) == []


def test_an_excel_export_that_works_is_logged_once_downloaded(db, study, client):
    client.force_login(study.datamanager)
    response = client.post(EXPORT_PAGE, {"format": "xlsx"})
    assert response.streaming
    assert logged(AccessAction.EXPORT) == []  # written, not yet sent
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "patients.xlsx" in archive.namelist()
    [done] = logged(AccessAction.EXPORT)
    assert "Study dataset (xlsx)" in done.detail and "Failed" not in done.detail
    assert logged(AccessAction.EXPORT_FAILED) == []


# The dataset: failures after the first byte ----------------------------------------------


def test_csv_export_failing_mid_stream_breaks_the_download_off(db, study, client, monkeypatch):
    write = csv_format.write

    def full_disk_after_two_tables(archive, tables, scope):
        yield from write(archive, tables[:2], scope)
        raise full_disk()

    monkeypatch.setattr(csv_format, "write", full_disk_after_two_tables)
    client.force_login(study.datamanager)
    response = client.post(EXPORT_PAGE, {"format": "csv"})
    assert response.status_code == 200  # the headers go before the first table is read
    received, error = received_until_it_breaks(response)
    assert isinstance(error, OSError) and error.errno == errno.ENOSPC
    assert received  # the download had started: only breaking it off tells the browser
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(received))
    [failed] = logged(AccessAction.EXPORT_FAILED)
    assert "Study dataset (csv)" in failed.detail and FULL_DISK in failed.detail
    assert logged(AccessAction.EXPORT) == []


def test_a_download_stopped_by_the_browser_is_logged_as_failed(db, study):
    export = start_export(user=study.datamanager, format="csv")
    stream = export.chunks()
    next(stream)
    stream.close()  # what a WSGI server does when the browser has gone
    [failed] = logged(AccessAction.EXPORT_FAILED)
    assert "stopped before the end" in failed.detail
    assert logged(AccessAction.EXPORT) == []


def test_a_csv_export_is_logged_after_its_last_byte(db, study, client):
    client.force_login(study.datamanager)
    response = client.post(EXPORT_PAGE, {"format": "csv"})
    chunks = iter(response.streaming_content)
    received = [next(chunks)]
    assert logged(AccessAction.EXPORT) == []  # started is not done
    received.extend(chunks)
    zipfile.ZipFile(io.BytesIO(b"".join(received))).testzip()
    [done] = logged(AccessAction.EXPORT)
    assert done.user == study.datamanager and done.ip_address == "127.0.0.1"
    assert logged(AccessAction.EXPORT_FAILED) == []


def test_command_on_a_full_disk_says_so_and_leaves_no_file(db, study, tmp_path, monkeypatch):
    out = tmp_path / "dataset.zip"
    fills = disk_fills_after(2)
    open_file = os.fdopen

    class FillingFile(io.BufferedWriter):
        def write(self, data):
            fills()
            return super().write(data)

    def fdopen(descriptor, mode):
        return FillingFile(open_file(descriptor, mode, buffering=0))

    monkeypatch.setattr("ecrf.management.commands.export_dataset.os.fdopen", fdopen)
    with pytest.raises(CommandError, match="could not be written"):
        call_command("export_dataset", "--user", "datamanager", "--out", str(out))
    assert list(tmp_path.iterdir()) == []
    [failed] = logged(AccessAction.EXPORT_FAILED)
    assert failed.user == study.datamanager and FULL_DISK in failed.detail
    assert logged(AccessAction.EXPORT) == []


# The audit trail -------------------------------------------------------------------------


def test_audit_export_failing_mid_stream_breaks_the_download_off(db, study, client, monkeypatch):
    trail = audit.iter_trail

    def database_gone_after_a_few(user, scope, **kwargs):
        entries = trail(user, scope, **kwargs)
        for _ in range(3):
            yield next(entries)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(audit, "iter_trail", database_gone_after_a_few)
    client.force_login(study.datamanager)
    response = client.get(AUDIT_EXPORT)
    assert response.status_code == 200
    received, error = received_until_it_breaks(response)
    assert isinstance(error, OperationalError)
    assert received.decode("utf-8-sig").startswith("time_utc,")
    [failed] = logged(AccessAction.EXPORT_FAILED)
    assert "Audit trail exported" in failed.detail
    assert "server closed the connection" in failed.detail
    assert logged(AccessAction.EXPORT) == []


def test_an_audit_export_is_logged_after_its_last_line(db, study, client):
    client.force_login(study.datamanager)
    response = client.get(AUDIT_EXPORT)
    lines = iter(response.streaming_content)
    next(lines)
    assert logged(AccessAction.EXPORT) == []
    list(lines)
    assert len(logged(AccessAction.EXPORT)) == 1
    assert logged(AccessAction.EXPORT_FAILED) == []


# The admin's list exports ----------------------------------------------------------------


def test_admin_list_export_that_fails_is_logged_as_failed(db, study, client, monkeypatch):
    def disk_full(self, dataset, **kwargs):
        raise full_disk()

    monkeypatch.setattr(XLSX, "export_data", disk_full)
    client.force_login(study.datamanager)
    data = export_form_data(client, AE_EXPORT, fmt="xlsx")
    with pytest.raises(OSError):
        client.post(AE_EXPORT, data)
    [failed] = logged(AccessAction.EXPORT_FAILED)
    assert "Admin list export of adverse events" in failed.detail and FULL_DISK in failed.detail
    assert logged(AccessAction.EXPORT) == []
