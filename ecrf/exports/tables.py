"""The tables of the study dataset, described from the models and read from scoped querysets.

One table per form (one row per form instance, keyed as ecrf.dictionary.KEY_COLUMNS) and one
of patients with their randomization. Rows stream from the database in chunks; labels of coded
values are decoded by the database, so no Python loop touches every value.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import F, Func, QuerySet, Value
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from trial import access
from trial.access import Action
from trial.models import Patient, PatientStatus, Sex, Site, TreatmentArm, zone_named

from ..dictionary import KEY_COLUMNS, variables_of
from ..models import CRF_MODELS, Crf, FormStatus

CHUNK_ROWS = 2000
YES_NO = ((True, _("Yes")), (False, _("No")))
PATIENTS = "patients"


@dataclass(frozen=True)
class Column:
    """One variable of a table: where it is read from and how the dictionary describes it."""

    name: str
    label: str
    type: str  # as in the data dictionary: text, integer, decimal, date, boolean
    source: str | models.Expression
    choices: tuple[tuple[object, str], ...] = ()
    cdash: str = ""
    unit: str = ""
    key: bool = False
    required: bool = False
    derived: bool = False
    max_length: int | None = None
    decimal_places: int | None = None
    local_date: bool = False  # a time stamp, given as the date at the patient's site

    @property
    def coded(self) -> bool:
        return bool(self.choices)

    @property
    def codelist(self) -> tuple[tuple[str, str], ...]:
        """Codes and labels as text, as the data dictionary prints them."""
        return tuple((str(code), force_str(label)) for code, label in self.choices)


@dataclass(frozen=True)
class Output:
    """A column as a file holds it: the stored value, or its label when decoded."""

    name: str
    column: Column
    decoded: bool = False

    @property
    def is_text(self) -> bool:
        """Text in the file: a text column, or the label of a code."""
        return self.decoded or self.column.type == "text"


@dataclass(frozen=True)
class Scope:
    """Whose data an export holds: the user's export sites, optionally one of them, optionally
    chosen patients (a queryset already scoped to the user)."""

    user: object
    site: Site | None = None
    patients: QuerySet | None = None

    def restrict(self, queryset: QuerySet, *, site_field="site", patient_field="patient"):
        queryset = access.scope(queryset, self.user, site_field=site_field, action=Action.EXPORT)
        if self.site is not None:
            queryset = queryset.filter(**{site_field: self.site})
        if self.patients is not None:
            queryset = queryset.filter(**{f"{patient_field}__in": self.patients.values("pk")})
        return queryset

    def sites(self) -> QuerySet[Site]:
        sites = access.sites_for(self.user, action=Action.EXPORT)
        return sites.filter(pk=self.site.pk) if self.site is not None else sites


@dataclass(frozen=True)
class Table:
    name: str
    label: str
    model: type[models.Model]
    columns: tuple[Column, ...]
    repeating: bool
    patient_field: str = "patient"
    order_by: tuple[str, ...] = ("patient__subject_id", "pk")

    @property
    def is_form(self) -> bool:
        return self.name != PATIENTS

    @property
    def keys(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.key)

    @property
    def items(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.key)

    def queryset(self, scope: Scope) -> QuerySet:
        """The table's records in the scope; records entered in error are not data, nor are
        the forms of a patient entered in error."""
        queryset = self.model.objects.filter(entered_in_error=False)
        if self.is_form:
            queryset = queryset.filter(patient__entered_in_error=False)
        return scope.restrict(queryset, patient_field=self.patient_field).order_by(*self.order_by)

    def rows(self, scope: Scope, outputs: Sequence[Output]) -> Iterator[tuple]:
        """The rows, values in the order of outputs, streamed from a server-side cursor."""
        fields = [selected(output) for output in outputs]
        local = [i for i, o in enumerate(outputs) if o.column.local_date and not o.decoded]
        if local:
            fields.append("site__time_zone")
        rows = self.queryset(scope).values_list(*fields).iterator(chunk_size=CHUNK_ROWS)
        return _with_local_dates(rows, local) if local else rows


class Decode(Func):
    """CASE column WHEN code THEN text ... ELSE default END: a stored value spelled out.

    One expression with parameters instead of a Case of Whens, which Django is slow to build
    for the hundred or so coded columns of the dataset."""

    output_field = models.CharField()

    def __init__(self, source: str, spelled: tuple[tuple[object, str], ...], default=""):
        super().__init__(F(source))
        self.spelled = spelled
        self.default = default

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        whens = " ".join("WHEN %s THEN %s" for _ in self.spelled)
        values = [value for pair in self.spelled for value in pair]
        return f"CASE {column} {whens} ELSE %s END", [*params, *values, self.default]


def selected(output: Output):
    """What a query selects for an output: the column, or the label of its code."""
    column = output.column
    if output.decoded:
        labels = tuple((code, force_str(label)) for code, label in column.choices)
        return Decode(column.source, labels)
    return column.source


def _with_local_dates(rows: Iterable[tuple], positions: list[int]) -> Iterator[tuple]:
    zones: dict[str, ZoneInfo] = {}
    for *values, zone_name in rows:
        if zone_name not in zones:
            zones[zone_name] = zone_named(zone_name)
        for i in positions:
            if values[i] is not None:
                values[i] = values[i].astimezone(zones[zone_name]).date()
        yield tuple(values)


def chunks(rows: Iterable[tuple], size: int = CHUNK_ROWS) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def labelled(table: Table) -> list[Output]:
    """Every column, each coded item followed by its label (aeout, aeout_label)."""
    outputs = []
    for column in table.columns:
        outputs.append(Output(column.name, column))
        if column.coded and not column.key:
            outputs.append(Output(f"{column.name}_label", column, decoded=True))
    return outputs


# The tables -------------------------------------------------------------------------------

# Where each key of ecrf.dictionary.KEY_COLUMNS is read from, and its CDASH name.
KEY_SOURCES = {
    "subject_id": ("patient__subject_id", "SUBJID"),
    "site": ("site__code", "SITEID"),
    "visit": ("visit__code", "VISIT"),
    "form": (None, ""),
    "instance": ("pk", ""),
    "status": ("status", ""),
}


def _key_columns(model: type[Crf]) -> tuple[Column, ...]:
    columns = []
    for name, label, kind in KEY_COLUMNS:
        source, cdash = KEY_SOURCES[name]
        columns.append(
            Column(
                name=name,
                label=label,
                type=kind,
                source=source or Value(model.FORM_CODE),
                choices=tuple(FormStatus.choices) if name == "status" else (),
                cdash=cdash,
                key=True,
                required=name != "visit",
                max_length=_max_length(model, source),
            )
        )
    return tuple(columns)


def _max_length(model, source) -> int | None:
    if source is None:
        return max(len(m.FORM_CODE) for m in CRF_MODELS)
    if source == "pk":
        return None
    field = model._meta.get_field(source.split("__")[0])
    if field.is_relation:
        field = field.related_model._meta.get_field(source.split("__")[1])
    return getattr(field, "max_length", None)


def form_table(model: type[Crf]) -> Table:
    items = []
    for variable in variables_of(model):
        field = model._meta.get_field(variable.variable)
        if isinstance(field, models.BooleanField):
            choices = YES_NO
        else:
            choices = tuple(field.flatchoices)
        items.append(
            Column(
                name=variable.variable,
                label=variable.label,
                type=variable.type,
                source=field.attname,
                choices=choices,
                cdash=variable.cdash,
                unit=variable.unit,
                required=variable.required,
                derived=variable.derived,
                max_length=getattr(field, "max_length", None),
                decimal_places=getattr(field, "decimal_places", None),
            )
        )
    return Table(
        name=model.FORM_CODE,
        label=force_str(model._meta.verbose_name),
        model=model,
        columns=(*_key_columns(model), *items),
        repeating=model.REPEATING,
    )


def _patient_label(name: str):
    return Patient._meta.get_field(name).verbose_name


def patients_table() -> Table:
    """Patients with their randomization: one row per patient."""
    columns = (
        Column(
            "subject_id", "Subject identifier", "text", "subject_id", cdash="SUBJID", key=True,
            required=True, max_length=16,
        ),
        Column("site", "Site code", "text", "site__code", cdash="SITEID", key=True, max_length=8),
        Column(
            "status", _patient_label("status"), "text", "status",
            choices=tuple(PatientStatus.choices), derived=True, max_length=20,
        ),
        Column(
            "sex", _patient_label("sex"), "text", "sex", choices=tuple(Sex.choices), cdash="SEX",
            required=True, max_length=1,
        ),
        Column(
            "birth_year", _patient_label("birth_year"), "integer", "birth_year", cdash="BRTHYY",
            required=True,
        ),
        Column("consent_date", _patient_label("consent_date"), "date", "consent_date"),
        Column(
            "arm", _("randomized arm"), "text", "randomization__arm",
            choices=tuple(TreatmentArm.choices), max_length=16,
        ),
        Column(
            "stratum", _("randomization stratum"), "text", "randomization__stratum",
            max_length=40,
        ),
        Column(
            "randomization_date", _("date of randomization (site time)"), "date",
            "randomization__randomized_at", local_date=True,
        ),
    )  # fmt: skip
    return Table(
        name=PATIENTS,
        label=force_str(_("patients and randomization")),
        model=Patient,
        columns=columns,
        repeating=False,
        patient_field="pk",
        order_by=("subject_id",),
    )


def dataset_tables() -> list[Table]:
    """The patients table, then one table per form in the order of the casebook."""
    return [patients_table(), *(form_table(model) for model in CRF_MODELS)]
