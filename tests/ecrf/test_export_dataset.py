"""The study dataset: a seeded study exported as CSV reads back with the database's values."""

import csv
import hashlib
import io
import json
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from ecrf import ctcae, services
from ecrf.dictionary import dictionary_csv
from ecrf.exports.dataset import DICTIONARY_FILE, MANIFEST_FILE, start_export
from ecrf.exports.tables import dataset_tables
from ecrf.models import FORMS_BY_CODE, AdverseEvent, ConcomitantMedication
from tests.ecrf.builders import randomized
from tests.factories import SiteFactory, UserFactory, make_patient, member
from trial.models import AccessLog, Patient, Role

TODAY = timezone.localdate()


def adverse_event(patient, user, **changes):
    term = ctcae.search_terms("Nausea", limit=1)[0]
    data = {
        "aeptcd": term.meddra_code,
        "aetoxgr": 2,
        "aestdat": TODAY - timedelta(days=3),
        "aeongo": True,
        "aeser": False,
        "aerel_oxa": "possible",
        "aerel_fu": "probable",
        "aerel_cape": "na",
        "aeacn_oxa": "none",
        "aeacn_fu": "reduced",
        "aeacn_cape": "na",
        "aeout": "recovering",
    }
    data.update(changes)
    return services.crf_create(
        model=AdverseEvent, patient=patient, acting_user=user, data=data, complete=True
    )


def build_study() -> SimpleNamespace:
    """Personas, and randomized patients at both sites; S01 has two, with adverse events and
    a medication, one event changed with a reason and one entered in error."""
    world = SimpleNamespace(**{k: v for k, v in build_personas().items()})
    pat_s01 = make_patient(world.s01)
    second_s01 = make_patient(world.s01, sex="M", birth_year=1958)
    pat_s02 = make_patient(world.s02)
    for patient, user in (
        (pat_s01, world.inv_s01),
        (second_s01, world.inv_s01),
        (pat_s02, world.inv_s02),
    ):
        randomized(patient, user)
    ae = adverse_event(pat_s01, world.inv_s01)
    services.crf_save(
        crf=ae,
        data={"aetoxgr": 3, "aeongo": False, "aeendat": TODAY - timedelta(days=1)},
        acting_user=world.inv_s01,
        loaded_version=ae.version,
        reason="Grade corrected from source",
    )
    adverse_event(second_s01, world.inv_s01, aeser=True, aeslife=True, aeout="not_recovered")
    wrong = adverse_event(second_s01, world.inv_s01, aetoxgr=1)
    services.crf_mark_entered_in_error(crf=wrong, acting_user=world.inv_s01, reason="Wrong patient")
    services.crf_create(
        model=ConcomitantMedication,
        patient=pat_s01,
        acting_user=world.inv_s01,
        data={"cmtrt": "Ondansetron 昂丹司琼", "cmindc": "Nausea", "cmroute": "oral"},
    )
    adverse_event(pat_s02, world.inv_s02, aetoxgr=1, aeout="recovered")
    world.s01_patients = [pat_s01, second_s01]
    world.s02_patients = [pat_s02]
    return world


def build_personas() -> dict:
    s01 = SiteFactory(code="S01", name="Site one")
    s02 = SiteFactory(code="S02", name="Site two")
    return {
        "s01": s01,
        "s02": s02,
        "inv_s01": member("inv_s01", Role.INVESTIGATOR, s01),
        "inv_s02": member("inv_s02", Role.INVESTIGATOR, s02),
        "mon_s01": member("mon_s01", Role.MONITOR, s01, is_staff=True),
        "dm_s01": member("dm_s01", Role.DATA_MANAGER, s01, is_staff=True),
        "datamanager": member("datamanager", Role.DATA_MANAGER, None, is_staff=True),
        "admin_user": UserFactory(username="admin", is_staff=True, is_superuser=True),
    }


def rolled_back(django_db_blocker, build):
    """Built once per module in a transaction rolled back afterwards; each test runs in a
    savepoint within it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def study(django_db_setup, django_db_blocker):
    yield from rolled_back(django_db_blocker, build_study)


def export_zip(user, fmt="csv", **kwargs) -> zipfile.ZipFile:
    export = start_export(user=user, format=fmt, **kwargs)
    return zipfile.ZipFile(io.BytesIO(b"".join(export.chunks())))


def read_csv(archive: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8")))


def as_csv_text(value) -> str:
    if value is None:
        return ""
    return str(value)


def test_every_form_table_holds_the_database_values_with_labels(db, study):
    archive = export_zip(study.datamanager)
    for table in dataset_tables()[1:]:
        model = FORMS_BY_CODE[table.name]
        rows = read_csv(archive, f"{table.name}.csv")
        expected = model.objects.filter(entered_in_error=False).order_by(
            "patient__subject_id", "pk"
        )
        assert len(rows) == expected.count(), table.name
        for row, form in zip(rows, expected, strict=True):
            assert row["subject_id"] == form.patient.subject_id
            assert row["site"] == form.site.code
            assert row["visit"] == (form.visit.code if form.visit else "")
            assert row["form"] == table.name
            assert row["instance"] == str(form.pk)
            assert row["status"] == form.status
            for column in table.items:
                value = getattr(form, column.source)
                assert row[column.name] == as_csv_text(value), (table.name, column.name)
                if column.coded:
                    label = dict(column.choices).get(value, "")
                    assert row[f"{column.name}_label"] == str(label), column.name


def test_adverse_event_rows_read_as_entered(db, study):
    rows = read_csv(export_zip(study.datamanager), "adverse_event.csv")
    changed = next(r for r in rows if r["subject_id"] == study.s01_patients[0].subject_id)
    assert changed["aetoxgr"] == "3"
    assert changed["aeout"] == "recovering"
    assert changed["aeout_label"] == "Recovering / resolving"
    assert changed["aeongo"] == "False"
    assert changed["aeongo_label"] == "No"
    assert changed["aeendat"] == (TODAY - timedelta(days=1)).isoformat()
    # the form entered in error is not data
    assert len([r for r in rows if r["subject_id"] == study.s01_patients[1].subject_id]) == 1


def test_patients_table_holds_status_arm_and_randomization_date(db, study):
    rows = {r["subject_id"]: r for r in read_csv(export_zip(study.datamanager), "patients.csv")}
    assert set(rows) == set(Patient.objects.values_list("subject_id", flat=True))
    for patient in Patient.objects.select_related("randomization", "site"):
        row = rows[patient.subject_id]
        assert row["site"] == patient.site.code
        assert row["status"] == patient.status
        assert row["arm"] == patient.randomization.arm
        assert row["arm_label"] == patient.randomization.get_arm_display()
        site_time = patient.randomization.randomized_at.astimezone(ZoneInfo(patient.site.time_zone))
        assert row["randomization_date"] == site_time.date().isoformat()
        assert row["birth_year"] == str(patient.birth_year)


def test_text_keeps_every_character(db, study):
    rows = read_csv(export_zip(study.datamanager), "concomitant_medication.csv")
    assert rows[0]["cmtrt"] == "Ondansetron 昂丹司琼"
    assert rows[0]["cmdstxt"] == ""


def test_dictionary_describes_every_column_of_every_file(db, study):
    archive = export_zip(study.datamanager)
    dictionary = read_csv(archive, DICTIONARY_FILE)
    for name in archive.namelist():
        if name.endswith(".csv") and name != DICTIONARY_FILE:
            header = next(csv.reader(io.TextIOWrapper(archive.open(name), encoding="utf-8")))
            assert [d["column"] for d in dictionary if d["file"] == name] == header, name


def test_dictionary_items_are_those_of_the_data_dictionary(db, study):
    dictionary = read_csv(export_zip(study.datamanager), DICTIONARY_FILE)
    items = {
        (d["form"], d["variable"]): d
        for d in dictionary
        if d["form"] != "patients" and d["column"] == d["variable"]
    }
    for row in csv.DictReader(io.StringIO(dictionary_csv())):
        exported = items[(row["form"], row["variable"])]
        assert {name: exported[name] for name in row} == row


def test_manifest_counts_rows_and_hashes_every_file(db, study):
    archive = export_zip(study.datamanager)
    manifest = json.loads(archive.read(MANIFEST_FILE))
    assert manifest["exported_by"] == "datamanager"
    assert manifest["scope"] == {"sites": ["S01", "S02"], "patients": "all"}
    assert manifest["format"] == "csv"
    counts = {t["table"]: t["rows"] for t in manifest["tables"]}
    assert counts["patients"] == 3
    assert counts["adverse_event"] == 3
    assert counts["concomitant_medication"] == 1
    files = {f["name"]: f for f in manifest["files"]}
    assert set(files) == set(archive.namelist()) - {MANIFEST_FILE}
    for name, record in files.items():
        content = archive.read(name)
        assert record["sha256"] == hashlib.sha256(content).hexdigest()
        assert record["bytes"] == len(content)


def test_site_data_manager_gets_no_row_of_another_site(db, study):
    archive = export_zip(study.dm_s01)
    s02 = {p.subject_id for p in study.s02_patients}
    for name in archive.namelist():
        if name.endswith(".csv") and name != DICTIONARY_FILE:
            for row in read_csv(archive, name):
                assert row["site"] == "S01", name
                assert row["subject_id"] not in s02
    assert json.loads(archive.read(MANIFEST_FILE))["scope"]["sites"] == ["S01"]


def test_one_site_of_a_study_wide_data_manager(db, study):
    rows = read_csv(export_zip(study.datamanager, site=study.s02), "patients.csv")
    assert [r["subject_id"] for r in rows] == [p.subject_id for p in study.s02_patients]


def test_export_is_logged(db, study):
    export_zip(study.datamanager)
    entry = AccessLog.objects.get(action="export")
    assert entry.user == study.datamanager
    assert "csv" in entry.detail and "S01, S02" in entry.detail


def test_command_writes_the_zip_and_logs_it(db, study, tmp_path):
    out = tmp_path / "dataset.zip"
    call_command("export_dataset", "--format", "csv", "--user", "dm_s01", "--out", str(out))
    archive = zipfile.ZipFile(out)
    assert {"patients.csv", "adverse_event.csv", DICTIONARY_FILE, MANIFEST_FILE} <= set(
        archive.namelist()
    )
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert AccessLog.objects.filter(action="export", user=study.dm_s01).count() == 1


def test_command_refuses_a_site_outside_the_users_scope(db, study, tmp_path):
    with pytest.raises(CommandError, match="S02 is not one of the sites"):
        call_command(
            "export_dataset", "--user", "dm_s01", "--site", "S02", "--out", str(tmp_path / "x.zip")
        )
    assert not AccessLog.objects.filter(action="export").exists()


def test_command_refuses_users_who_may_not_export(db, study, tmp_path):
    with pytest.raises(CommandError, match="may not export"):
        call_command("export_dataset", "--user", "inv_s01", "--out", str(tmp_path / "x.zip"))
    with pytest.raises(CommandError, match="may not export"):
        call_command("export_dataset", "--out", str(tmp_path / "x.zip"))
    assert not list(tmp_path.iterdir())


def test_decimal_and_date_text(db, study):
    rows = read_csv(export_zip(study.datamanager), "vital_signs.csv")
    assert all(Decimal(r["height"]) > 0 and date.fromisoformat(r["vsdat"]) for r in rows)


def test_python_writer_spells_every_value_as_copy_does(db, study, monkeypatch):
    """SQLite has no COPY: the csv writer path must give the same files."""
    copied = export_zip(study.datamanager)
    monkeypatch.setattr("ecrf.exports.csv.can_copy", lambda table: False)
    written = export_zip(study.datamanager)
    for name in copied.namelist():
        if name.endswith(".csv"):
            assert read_csv(written, name) == read_csv(copied, name), name
