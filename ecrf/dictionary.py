"""The data dictionary, generated from the CRF models: never written by hand."""

import csv
import io
from dataclasses import dataclass

from django.db import models
from django.utils.encoding import force_str

from trial.spreadsheets import RULE, neutralised

from .models import CRF_MODELS, Crf

KEY_COLUMNS = (
    ("subject_id", "Subject identifier", "text"),
    ("site", "Site code", "text"),
    ("visit", "Visit code", "text"),
    ("form", "Form", "text"),
    ("instance", "Form instance identifier", "integer"),
    ("status", "Form status", "text"),
)


@dataclass(frozen=True)
class Variable:
    form: str
    variable: str
    cdash: str
    label: str
    type: str
    unit: str
    codelist: tuple[tuple[str, str], ...]
    required: bool
    derived: bool

    @property
    def codelist_text(self) -> str:
        return "; ".join(f"{code}={label}" for code, label in self.codelist)

    @property
    def note(self) -> str:
        return text_note(self.type)


def field_type(field: models.Field) -> str:
    if isinstance(field, models.BooleanField):
        return "boolean"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.IntegerField):
        return "integer"
    if isinstance(field, (models.DecimalField, models.FloatField)):
        return "decimal"
    return "text"


def codelist(field: models.Field) -> tuple[tuple[str, str], ...]:
    if isinstance(field, models.BooleanField):
        return (("True", "Yes"), ("False", "No"))
    return tuple((str(code), force_str(label)) for code, label in field.flatchoices)


def variables_of(model: type[Crf]) -> list[Variable]:
    return [
        Variable(
            form=model.FORM_CODE,
            variable=f.name,
            cdash=model.CDASH.get(f.name, ""),
            label=force_str(f.verbose_name),
            type=field_type(f),
            unit=model.unit_of(f.name),
            codelist=codelist(f),
            required=f.editable and not f.blank,
            derived=not f.editable,
        )
        for f in model.item_fields()
    ]


def data_dictionary() -> list[Variable]:
    return [v for model in CRF_MODELS for v in variables_of(model)]


COLUMNS = (
    "form",
    "variable",
    "cdash",
    "label",
    "type",
    "unit",
    "codelist",
    "required",
    "derived",
    "note",
)


def text_note(kind: str) -> str:
    """How a CSV or Excel file writes values of this type (only text is ever changed)."""
    return force_str(RULE) if kind == "text" else ""


def spreadsheet_row(values) -> list[str]:
    """A row of the dictionary as its CSV holds it: text safe for a spreadsheet too."""
    return [neutralised(str(value)) for value in values]


def dictionary_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for v in data_dictionary():
        writer.writerow(
            spreadsheet_row(
                [
                    v.form,
                    v.variable,
                    v.cdash,
                    v.label,
                    v.type,
                    v.unit,
                    v.codelist_text,
                    "yes" if v.required else "no",
                    "yes" if v.derived else "no",
                    v.note,
                ]
            )
        )
    return out.getvalue()
