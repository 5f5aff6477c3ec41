"""A value typed as "=1+1" is text, never a formula, in every CSV and Excel file the eCRF
writes: the admin's list exports, the study dataset and the audit trail. Numbers stay numbers."""

import csv
import io
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ecrf import services
from ecrf.exports.dataset import DICTIONARY_FILE, start_export
from ecrf.models import ConcomitantMedication, FolfoxCycle
from tests.ecrf.test_export_admin import export_form_data
from tests.ecrf.test_export_dataset import build_study, rolled_back
from trial.spreadsheets import neutralised, restored

FORMULA = "=1+1"
SHOWN = "'=1+1"
CM_EXPORT = reverse("admin:ecrf_concomitantmedication_export")
CYCLE_EXPORT = reverse("admin:ecrf_folfoxcycle_export")


def build_formula_study():
    """The dataset's study, with a medication typed as a formula and a FOLFOX cycle given at
    dose level -1."""
    study = build_study()
    patient = study.s01_patients[0]
    study.medication = services.crf_create(
        model=ConcomitantMedication,
        patient=patient,
        acting_user=study.inv_s01,
        data={"cmtrt": FORMULA, "cmindc": "@SUM(A1:A9)", "cmdstxt": "-2+3", "cmroute": "oral"},
    )
    study.quoted = services.crf_create(
        model=ConcomitantMedication,
        patient=patient,
        acting_user=study.inv_s01,
        data={"cmtrt": "'=1+1", "cmindc": "\tNausea", "cmdstxt": "''", "cmroute": "oral"},
    )
    study.cycle = services.crf_create(
        model=FolfoxCycle,
        patient=patient,
        acting_user=study.inv_s01,
        data={
            "cycle": 1,
            "exstdat": timezone.localdate(),
            "weight": 70,
            "dose_level": -1,
            "reduced": True,
            "reduction_reason": "neuropathy",
        },
    )
    return study


@pytest.fixture(scope="module")
def study(django_db_setup, django_db_blocker):
    yield from rolled_back(django_db_blocker, build_formula_study)


def dataset(user, fmt) -> zipfile.ZipFile:
    export = start_export(user=user, format=fmt)
    return zipfile.ZipFile(io.BytesIO(b"".join(export.chunks())))


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def sheet_rows(data: bytes) -> list[dict]:
    """Each row as {header: cell}, cells kept to see their type."""
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    header, *rows = sheet.iter_rows()
    return [{h.value: cell for h, cell in zip(header, row, strict=True)} for row in rows]


def typed(rows: list[dict], column: str, value) -> dict:
    return next(row for row in rows if row[column] == value)


# The rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+33 1 23", "'+33 1 23"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1+1", "''=1+1"),  # already quoted by the person: one more, so it comes back
        ("'quoted", "'quoted"),
        ("Ondansetron 1=2", "Ondansetron 1=2"),
        ("", ""),
        ("昂丹司琼", "昂丹司琼"),
    ],
)
def test_text_that_starts_a_formula_gets_a_quote_and_comes_back_whole(stored, written):
    assert neutralised(stored) == written
    assert restored(written) == stored


# The study dataset ------------------------------------------------------------------------


def test_dataset_csv_writes_the_formula_as_text(db, study):
    rows = csv_rows(dataset(study.datamanager, "csv").read("concomitant_medication.csv"))
    row = typed(rows, "instance", str(study.medication.pk))
    assert row["cmtrt"] == SHOWN
    assert row["cmindc"] == "'@SUM(A1:A9)"
    assert row["cmdstxt"] == "'-2+3"
    assert restored(row["cmtrt"]) == FORMULA


def test_dataset_csv_keeps_a_quote_typed_before_a_formula(db, study):
    rows = csv_rows(dataset(study.datamanager, "csv").read("concomitant_medication.csv"))
    row = typed(rows, "instance", str(study.quoted.pk))
    assert (row["cmtrt"], row["cmindc"], row["cmdstxt"]) == ("''=1+1", "'\tNausea", "''")
    assert restored(row["cmtrt"]) == "'=1+1"


def test_dataset_csv_written_without_copy_is_the_same(db, study, monkeypatch):
    copied = dataset(study.datamanager, "csv")
    monkeypatch.setattr("ecrf.exports.csv.can_copy", lambda table: False)
    written = dataset(study.datamanager, "csv")
    for name in ("concomitant_medication.csv", "folfox_cycle.csv"):
        assert csv_rows(written.read(name)) == csv_rows(copied.read(name)), name


def test_dataset_csv_keeps_a_negative_dose_level_a_number(db, study):
    rows = csv_rows(dataset(study.datamanager, "csv").read("folfox_cycle.csv"))
    row = typed(rows, "instance", str(study.cycle.pk))
    assert row["dose_level"] == "-1"
    assert row["dose_level_label"] == "'-1"  # the label is text


def test_dataset_excel_writes_the_formula_as_a_string_cell(db, study):
    archive = dataset(study.datamanager, "xlsx")
    rows = sheet_rows(archive.read("concomitant_medication.xlsx"))
    row = typed([{k: c.value for k, c in r.items()} for r in rows], "instance", study.medication.pk)
    cell = next(r for r in rows if r["instance"].value == study.medication.pk)["cmtrt"]
    assert row["cmtrt"] == SHOWN
    assert cell.data_type == "s"
    assert cell.quotePrefix
    assert not any(c.data_type == "f" for r in rows for c in r.values())


def test_dataset_excel_keeps_numbers_and_dates_typed(db, study):
    rows = sheet_rows(dataset(study.datamanager, "xlsx").read("folfox_cycle.xlsx"))
    row = next(r for r in rows if r["instance"].value == study.cycle.pk)
    assert row["dose_level"].value == -1
    assert row["dose_level"].data_type == "n"
    assert row["weight"].data_type == "n"
    assert row["exstdat"].is_date


def test_dataset_dictionary_says_how_text_is_written(db, study):
    dictionary = csv_rows(dataset(study.datamanager, "csv").read(DICTIONARY_FILE))
    by_column = {(d["file"], d["column"]): d for d in dictionary}
    treatment = by_column[("concomitant_medication.csv", "cmtrt")]
    assert treatment["type"] == "text"
    assert "(')" in treatment["note"] and "=, +, -, @" in treatment["note"]
    assert "remove that first quote" in treatment["note"]
    assert by_column[("folfox_cycle.csv", "dose_level")]["note"] == ""
    assert by_column[("folfox_cycle.csv", "dose_level_label")]["note"] == treatment["note"]


def test_data_dictionary_command_says_how_text_is_written():
    out = io.StringIO()
    call_command("data_dictionary", stdout=out)
    rows = {(r["form"], r["variable"]): r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert "single quote" in rows[("concomitant_medication", "cmtrt")]["note"]
    assert rows[("folfox_cycle", "weight")]["note"] == ""


# The admin's list exports -----------------------------------------------------------------


@pytest.mark.parametrize("resource", ["0", "1"], ids=["codes", "labels"])
def test_admin_csv_export_writes_the_formula_as_text(db, study, client, resource):
    client.force_login(study.datamanager)
    data = export_form_data(client, CM_EXPORT, fmt="csv", resource=resource)
    rows = csv_rows(client.post(CM_EXPORT, data).content)
    row = typed(rows, "id", str(study.medication.pk))
    assert row["cmtrt"] == SHOWN
    assert row["cmdstxt"] == "'-2+3"


def test_admin_excel_export_writes_the_formula_as_a_string_cell(db, study, client):
    client.force_login(study.datamanager)
    data = export_form_data(client, CM_EXPORT, fmt="xlsx")
    rows = sheet_rows(client.post(CM_EXPORT, data).content)
    cell = next(r for r in rows if r["id"].value == study.medication.pk)["cmtrt"]
    assert (cell.value, cell.data_type) == (SHOWN, "s")
    assert not any(c.data_type == "f" for r in rows for c in r.values())


def test_admin_excel_export_keeps_a_negative_dose_level_a_number(db, study, client):
    client.force_login(study.datamanager)
    data = export_form_data(client, CYCLE_EXPORT, fmt="xlsx")
    rows = sheet_rows(client.post(CYCLE_EXPORT, data).content)
    cell = next(r for r in rows if r["id"].value == study.cycle.pk)["dose_level"]
    assert (cell.value, cell.data_type) == (-1, "n")


def test_admin_csv_export_keeps_a_negative_dose_level_a_number(db, study, client):
    client.force_login(study.datamanager)
    rows = csv_rows(client.post(CYCLE_EXPORT, export_form_data(client, CYCLE_EXPORT)).content)
    assert typed(rows, "id", str(study.cycle.pk))["dose_level"] == "-1"


def test_admin_json_export_keeps_the_value_as_typed(db, study, client):
    client.force_login(study.datamanager)
    data = export_form_data(client, CM_EXPORT, fmt="json")
    rows = client.post(CM_EXPORT, data).json()
    assert next(r for r in rows if r["id"] == str(study.medication.pk))["cmtrt"] == FORMULA


# The audit trail --------------------------------------------------------------------------


def test_audit_trail_csv_writes_the_formula_as_text(db, study, client):
    client.force_login(study.mon_s01)
    url = reverse("ecrf:audit_export") + f"?patient={study.s01_patients[0].subject_id}"
    response = client.get(url)
    rows = csv_rows(b"".join(response.streaming_content))
    created = next(r for r in rows if r["field"] == "cmtrt" and r["new_value"].endswith(FORMULA))
    assert created["new_value"] == SHOWN
    indication = next(r for r in rows if r["field"] == "cmindc" and "SUM" in r["new_value"])
    assert indication["new_value"] == "'@SUM(A1:A9)"
