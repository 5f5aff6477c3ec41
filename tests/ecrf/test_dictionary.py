"""The data dictionary comes from the models: every item, its CDASH name, type, unit, codes."""

import csv
import io

from django.core.management import call_command

from ecrf.dictionary import data_dictionary, dictionary_csv
from ecrf.models import CRF_MODELS


def rows():
    return {(v.form, v.variable): v for v in data_dictionary()}


def test_every_item_of_every_form_is_listed():
    listed = rows()
    for model in CRF_MODELS:
        for field in model.item_fields():
            assert (model.FORM_CODE, field.name) in listed


def test_cdash_names_types_units_and_code_lists():
    listed = rows()
    grade = listed[("adverse_event", "aetoxgr")]
    assert (grade.cdash, grade.type) == ("AETOXGR", "integer")
    assert [code for code, _ in grade.codelist] == ["1", "2", "3", "4", "5"]
    oxaliplatin = listed[("folfox_cycle", "oxa_exdose")]
    assert (oxaliplatin.unit, oxaliplatin.type, oxaliplatin.required) == ("mg", "decimal", False)
    assert listed[("folfox_cycle", "oxa_planned")].derived
    assert listed[("vital_signs", "height")].unit == "cm"
    assert listed[("consent", "dsstdat")].type == "date"
    assert listed[("consent", "dsstdat")].required
    margin = listed[("liver_resection", "margin")]
    assert ("R0", "R0 (no residual tumour)") in margin.codelist
    criterion = listed[("eligibility", "ex09")]
    assert criterion.cdash == "EX09" and "Pregnant" in criterion.label


def test_command_prints_the_csv():
    out = io.StringIO()
    call_command("data_dictionary", stdout=out)
    assert out.getvalue() == dictionary_csv()
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {"form", "variable", "cdash", "label", "type", "unit", "codelist"} <= set(table[0])
    assert len(table) == len(data_dictionary())
