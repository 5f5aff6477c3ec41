"""Each statistical and spreadsheet format reads back with the database's values and labels."""

import io
import math
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from openpyxl import load_workbook

from ecrf.exports import sas, stata
from ecrf.exports.codelists import codelists, key
from ecrf.exports.dataset import start_export
from ecrf.exports.tables import Table, dataset_tables
from ecrf.models import FORMS_BY_CODE
from tests.ecrf.test_export_dataset import build_study, rolled_back
from trial.models import Patient

TABLES = dataset_tables()


@pytest.fixture(scope="module")
def study(django_db_setup, django_db_blocker):
    yield from rolled_back(django_db_blocker, build_study)


def export_zip(user, fmt) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(start_export(user=user, format=fmt).chunks())))


def extract(archive: zipfile.ZipFile, name: str, tmp_path) -> str:
    return archive.extract(name, tmp_path)


def database_rows(table: Table) -> list[dict]:
    """Every row of the table as the database holds it, read through the models."""
    if not table.is_form:
        rows = []
        for patient in Patient.objects.select_related("site").order_by("subject_id"):
            randomization = getattr(patient, "randomization", None)
            rows.append(
                {
                    "subject_id": patient.subject_id,
                    "site": patient.site.code,
                    "status": patient.status,
                    "sex": patient.sex,
                    "birth_year": patient.birth_year,
                    "consent_date": patient.consent_date,
                    "arm": randomization.arm if randomization else None,
                    "stratum": randomization.stratum if randomization else None,
                    "randomization_date": None,  # compared in the CSV tests (site time)
                }
            )
        return rows
    model = FORMS_BY_CODE[table.name]
    forms = model.objects.filter(entered_in_error=False).select_related("patient", "site", "visit")
    return [
        {
            "subject_id": form.patient.subject_id,
            "site": form.site.code,
            "visit": form.visit.code if form.visit else None,
            "form": table.name,
            "instance": form.pk,
            "status": form.status,
            **{c.name: getattr(form, c.source) for c in table.items},
        }
        for form in forms.order_by("patient__subject_id", "pk")
    ]


def canonical(value, kind: str):
    """One spelling of a value whatever the file: None for missing, floats for numbers."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is None:
        return None
    if kind == "text":
        return None if value == "" else str(value)
    if kind == "date":
        return value.date() if isinstance(value, datetime) else value
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    # pandas reads an IBM zero as 16**-65; six decimals is finer than any item's precision
    return round(float(value), 6)


def assert_same_rows(table: Table, read: list[dict], names: dict[str, str], *, skip=()):
    """read rows (keyed by file column names) equal the database rows, column by column."""
    expected = database_rows(table)
    assert len(read) == len(expected), table.name
    for got, want in zip(read, expected, strict=True):
        for column in table.columns:
            if column.name in skip or column.local_date:
                continue
            kind = column.type
            assert canonical(got[names[column.name]], kind) == canonical(want[column.name], kind), (
                table.name,
                column.name,
                want["subject_id"],
            )


def identity(table: Table) -> dict[str, str]:
    return {c.name: c.name for c in table.columns}


def records(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def test_xlsx_reads_back_typed_with_labels(db, study, tmp_path):
    archive = export_zip(study.datamanager, "xlsx")
    for table in TABLES:
        workbook = load_workbook(extract(archive, f"{table.name}.xlsx", tmp_path))
        sheet = workbook.worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        header, rows = values[0], [dict(zip(values[0], row, strict=True)) for row in values[1:]]
        assert_same_rows(table, rows, identity(table))
        expected = database_rows(table)
        for column in table.items:
            if column.coded:
                labels = {code: str(label) for code, label in column.choices}
                got = [row[f"{column.name}_label"] or "" for row in rows]
                assert got == [labels.get(row[column.name], "") for row in expected]
        assert header[0] == "subject_id"


def test_sas_transport_reads_back_in_pandas_and_pyreadstat(db, study, tmp_path):
    archive = export_zip(study.datamanager, "sas")
    for table in TABLES:
        path = extract(archive, f"{table.name}.xpt", tmp_path)
        names = {o.column.name: o.name for o in sas.layout(table)}
        assert all(len(name) <= 8 for name in names.values())
        if database_rows(table):  # pandas cannot read a dataset without observations
            frame = pd.read_sas(path, format="xport", encoding="utf-8")
            dates = [c.name for c in table.columns if c.type == "date"]
            assert_same_rows(table, records(frame), names, skip=dates)
        frame, meta = pyreadstat.read_xport(path)
        assert_same_rows(table, records(frame), names)
        labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
        for column in table.columns:
            assert str(column.label).startswith(labels[names[column.name]] or "\0")
        assert meta.table_name == sas.dataset_names(TABLES)[table.name]


def test_sas_formats_give_every_label(db, study, tmp_path):
    archive = export_zip(study.datamanager, "sas")
    formats = pd.read_sas(
        extract(archive, "formats.xpt", tmp_path), format="xport", encoding="utf-8"
    )
    decode = {(r.FMTNAME, r.START): r.LABEL for r in formats.itertuples()}
    lists = codelists(TABLES)
    program = archive.read("formats.sas").decode()
    for table in TABLES:
        for output in sas.layout(table):
            column = output.column
            if not column.coded:
                continue
            fmt = lists[key(column)].sas_format
            assert f"{output.name} {fmt}." in program
            for code, label in column.codelist:
                assert decode[(fmt.lstrip("$"), code)] == label


def test_stata_reads_back_with_value_labels(db, study, tmp_path):
    archive = export_zip(study.datamanager, "stata")
    for table in TABLES:
        frame, meta = pyreadstat.read_dta(extract(archive, f"{table.name}.dta", tmp_path))
        rows = records(frame)
        assert_same_rows(table, rows, identity(table))
        expected = database_rows(table)
        for output in stata.layout(table):
            column = output.column
            if not column.coded or column.key:
                continue
            labels = {code: str(label) for code, label in column.choices}
            if output.decoded:
                got = [row[output.name] for row in rows]
                assert got == [labels.get(row[column.name], "") for row in expected]
            elif column.type != "text":
                value_labels = meta.variable_value_labels[output.name]
                assert {float(code): label for code, label in labels.items()} == {
                    float(code): label for code, label in value_labels.items()
                }
        assert meta.column_labels[0] == "Subject identifier"


def test_spss_reads_back_with_value_labels_on_text_codes(db, study, tmp_path):
    archive = export_zip(study.datamanager, "spss")
    for table in TABLES:
        path = extract(archive, f"{table.name}.sav", tmp_path)
        frame, meta = pyreadstat.read_sav(path)
        assert_same_rows(table, records(frame), identity(table))
        for column in table.columns:
            if column.coded:
                value_labels = meta.variable_value_labels[column.name]
                for code, label in column.choices:
                    stored = str(code) if column.type == "text" else float(code)
                    assert value_labels[stored] == str(label)
        labelled, _meta = pyreadstat.read_sav(path, apply_value_formats=True)
        if table.name == "adverse_event":
            assert "Recovering / resolving" in set(labelled["aeout"])


READERS = {
    "sas": ("xpt", pyreadstat.read_xport, ("DATE", 9)),
    "stata": ("dta", pyreadstat.read_dta, ("%td", None)),
    "spss": ("sav", pyreadstat.read_sav, ("DATE", 11)),
}


def display_format(spec: str) -> tuple[str, int | None]:
    """A variable's display format as (name, width): SAS and SPSS spell it NAMEw.d, and readers
    differ on the trailing period (pyreadstat 1.3.8 reads SAS's DATE9 back as 'DATE9.'), so the
    name and the width are compared, not the spelling. Stata formats (%td) have no width."""
    if spec.startswith("%"):
        return spec, None
    match = re.fullmatch(r"([A-Z]+?)(\d+)\.?(\d*)", spec.upper())
    assert match, f"not a display format: {spec!r}"
    return match[1], int(match[2])


@pytest.mark.parametrize(
    "spec, expected",
    [("DATE9", ("DATE", 9)), ("DATE9.", ("DATE", 9)), ("date11", ("DATE", 11)),
     ("%td", ("%td", None)), ("DATETIME20.", ("DATETIME", 20)), ("F8.2", ("F", 8))],
)
def test_display_format_reads_name_and_width(spec, expected):
    assert display_format(spec) == expected


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_dates_stay_dates_even_in_an_empty_column(db, study, tmp_path, fmt):
    extension, reader, date_format = READERS[fmt]
    archive = export_zip(study.datamanager, fmt)
    for table_name, item in (("death", "dthdat"), ("adverse_event", "aeendat")):
        table = next(t for t in TABLES if t.name == table_name)
        name = {o.column.name: o.name for o in sas.layout(table)}[item] if fmt == "sas" else item
        frame, meta = reader(extract(archive, f"{table_name}.{extension}", tmp_path))
        assert display_format(meta.original_variable_types[name]) == date_format
        assert all(r[name] is None or isinstance(r[name], date) for r in records(frame))


def test_decimal_items_keep_their_value(db, study, tmp_path):
    archive = export_zip(study.datamanager, "spss")
    frame, _meta = pyreadstat.read_sav(extract(archive, "vital_signs.sav", tmp_path))
    heights = sorted(FORMS_BY_CODE["vital_signs"].objects.values_list("height", flat=True))
    assert sorted(Decimal(str(h)) for h in frame["height"]) == heights
