"""A large study for benchmarks, written straight into PostgreSQL with COPY.

This is a benchmark fixture, not the application: it bypasses the services (no edit checks,
no derived values, one history row per record) so that 100,000 forms load in seconds. Every
NOT NULL column gets a plausible value of its type and code list, so the exports read tables
shaped like a real study's.
"""

import json
import os
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import django

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trial.settings")
    django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, models
from django.utils import timezone

from ecrf.models import (
    AdverseEvent,
    BaselineLabs,
    CeaTest,
    ConcomitantMedication,
    Consent,
    CtdnaSample,
    Demographics,
    Eligibility,
    FolfoxCycle,
    LiverResection,
    PerformanceStatus,
    PrimaryTumour,
    Visit,
    VitalSigns,
)
from trial.models import (
    AllocationEntry,
    AllocationList,
    AllocationStratum,
    Membership,
    Patient,
    Randomization,
    Role,
    Site,
    TreatmentArm,
)
from trial.randomization import stratum_key

SCREENING = (
    Consent,
    Demographics,
    Eligibility,
    PrimaryTumour,
    LiverResection,
    PerformanceStatus,
    BaselineLabs,
    VitalSigns,
    CtdnaSample,
)
# Forms per patient: 9 at screening, 6 FOLFOX cycles, 3 adverse events, 1 medication, 1 CEA.
PER_PATIENT = {**{m: 1 for m in SCREENING}, FolfoxCycle: 6, AdverseEvent: 3, CeaTest: 1}
PER_PATIENT[ConcomitantMedication] = 1


@dataclass(frozen=True)
class PatientRow:
    id: int
    site_id: int
    consent: date


@dataclass
class Seeded:
    sites: list[Site]
    patients: int
    forms: dict[str, int] = field(default_factory=dict)

    @property
    def total_forms(self) -> int:
        return sum(self.forms.values())


def copy_rows(model: type[models.Model], columns: list[str], rows: Iterable[tuple]) -> int:
    """COPY rows into the model's table; returns how many."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def columns_of(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def row_of(model, values: dict) -> tuple:
    """A row in columns_of(model) order: the values given by field name, else the defaults."""
    row = []
    for f in model._meta.concrete_fields:
        value = values[f.name] if f.name in values else f.get_default()
        if isinstance(f, models.JSONField):
            value = json.dumps(value)
        row.append(value)
    return tuple(row)


def _next_id(model) -> int:
    last = model.objects.aggregate(last=models.Max("pk"))["last"] or 0
    return last + 1


def _reset_sequence(model) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


def _history_reset(model) -> None:
    history = model.history.model
    table = history._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'history_id'), "
            f"(SELECT COALESCE(MAX(history_id), 1) FROM {table}))"
        )


def item_value(f: models.Field, rng: random.Random, day: date, n: int):
    """A plausible value for one item of a form."""
    if f.name == "cycle":
        return n
    if f.choices:
        return rng.choice([code for code, _label in f.flatchoices])
    if isinstance(f, models.BooleanField):
        return rng.random() < 0.3
    if isinstance(f, models.DateField):
        return day
    if isinstance(f, models.DecimalField):
        top = min(10 ** (f.max_digits - f.decimal_places) - 1, 400)
        return round(Decimal(rng.uniform(0.5, top)), f.decimal_places)
    if isinstance(f, models.IntegerField):
        return rng.randint(1, 40)
    if isinstance(f, models.CharField):
        return f"{f.verbose_name} {n}"[: f.max_length]
    raise TypeError(f"No benchmark value for {f!r}")


def _users(sites):
    User = get_user_model()
    users = {}
    for site in sites:
        user, _new = User.objects.get_or_create(username=f"bench_inv_{site.code.lower()}")
        Membership.objects.get_or_create(user=user, site=site, role=Role.INVESTIGATOR)
        users[site.pk] = user
    manager, _new = User.objects.get_or_create(username="datamanager", defaults={"is_staff": True})
    Membership.objects.get_or_create(user=manager, site=None, role=Role.DATA_MANAGER)
    return users, manager


def seed_study(*, patients: int, sites: int = 5, forms: dict | None = None, seed: int = 11):
    """Sites, their investigators, a study-wide data manager, randomized patients with visits
    and forms (PER_PATIENT by default), one history row per patient and form."""
    rng = random.Random(seed)
    per_patient = forms or PER_PATIENT
    site_rows = [
        Site.objects.get_or_create(code=f"S{n:02d}", defaults={"name": f"Site {n}"})[0]
        for n in range(1, sites + 1)
    ]
    users, manager = _users(site_rows)
    now = timezone.now()
    patient_values: list[tuple] = []
    start = _next_id(Patient)
    patient_rows = []
    for i in range(patients):
        site = site_rows[i % len(site_rows)]
        values = {
            "id": start + i,
            "site": site.pk,
            "subject_id": f"{site.code}-{start + i:05d}",  # as issued: digits after the site
            "sex": rng.choice("MF"),
            "birth_year": rng.randint(1950, 1990),
            "consent_date": date(2024, 1, 1) + timedelta(days=rng.randint(0, 600)),
            "status": "on_treatment",
            "created_at": now,
            "created_by": users[site.pk].pk,
        }
        patient_rows.append(PatientRow(start + i, site.pk, values["consent_date"]))
        patient_values.append(row_of(Patient, values))
    columns = columns_of(Patient)
    created_by = columns.index("created_by_id")
    copy_rows(Patient, columns, patient_values)
    _history_rows(Patient, columns, patient_values, users_by_row=lambda r: r[created_by], when=now)
    _reset_sequence(Patient)
    _randomize(patient_rows, site_rows, manager, rng, now)
    visits = _visits(patient_rows)
    result = Seeded(sites=site_rows, patients=patients)
    for model, count in per_patient.items():
        result.forms[model.FORM_CODE] = _forms(model, count, patient_rows, visits, users, rng, now)
    return result


def _randomize(patient_rows, site_rows, manager, rng, now):
    allocation = AllocationList.objects.create(
        source="generated", seed=1, per_stratum=len(patient_rows), created_by=manager
    )
    strata = {
        site.pk: AllocationStratum.objects.get_or_create(
            key=stratum_key(site.code, True),
            defaults={
                "site": site,
                "synchronous_metastases": True,
                "allocation_list": allocation,
            },
        )[0]
        for site in site_rows
    }
    entry_id = _next_id(AllocationEntry)
    entries, randomizations = [], []
    positions = {site_id: stratum.entries.count() for site_id, stratum in strata.items()}
    start = _next_id(Randomization)
    for n, patient in enumerate(patient_rows):
        stratum = strata[patient.site_id]
        position = positions[patient.site_id] = positions[patient.site_id] + 1
        arm = rng.choice(TreatmentArm.values)
        entry = {"id": entry_id + n, "stratum": stratum.pk, "position": position, "arm": arm}
        entries.append(row_of(AllocationEntry, entry))
        randomizations.append(
            row_of(
                Randomization,
                {
                    "id": start + n,
                    "patient": patient.id,
                    "site": patient.site_id,
                    "entry": entry_id + n,
                    "arm": arm,
                    "stratum": stratum.key,
                    "list_position": position,
                    "randomized_at": now,
                    "randomized_by": manager.pk,
                },
            )
        )
    copy_rows(AllocationEntry, columns_of(AllocationEntry), entries)
    copy_rows(Randomization, columns_of(Randomization), randomizations)
    _reset_sequence(AllocationEntry)
    _reset_sequence(Randomization)


def _visits(patient_rows) -> dict[tuple[int, str], int]:
    """Screening and six FOLFOX cycle visits per patient; (patient, code) -> visit id."""
    codes = [("SCR", "Screening", "screening", 0)] + [
        (f"C{n:02d}", f"FOLFOX cycle {n}", "treatment", n + 1) for n in range(1, 7)
    ]
    start = _next_id(Visit)
    ids, rows = {}, []
    for patient in patient_rows:
        for code, name, phase, sequence in codes:
            day = patient.consent + timedelta(days=14 * sequence)
            ids[(patient.id, code)] = start + len(rows)
            values = {
                "id": ids[(patient.id, code)],
                "patient": patient.id,
                "site": patient.site_id,
                "code": code,
                "name": name,
                "phase": phase,
                "sequence": sequence,
                "target_date": day,
                "window_start": day,
                "window_end": day,
                "visit_date": day,
            }
            rows.append(row_of(Visit, values))
    copy_rows(Visit, columns_of(Visit), rows)
    _reset_sequence(Visit)
    return ids


def _forms(model, per_patient, patient_rows, visits, users, rng, now) -> int:
    fields = [f for f in model._meta.concrete_fields]
    columns = [f.column for f in fields]
    items = {f.name for f in model.item_fields()}
    start = _next_id(model)
    rows = []
    for patient in patient_rows:
        patient_id, site_id, consent = patient.id, patient.site_id, patient.consent
        user_id = users[site_id].pk
        for n in range(1, per_patient + 1):
            if model in SCREENING:
                visit = visits.get((patient_id, "SCR"))
            elif model is FolfoxCycle:
                visit = visits.get((patient_id, f"C{n:02d}"))
            else:
                visit = None
            day = consent + timedelta(days=14 * n)
            values = {
                "id": start + len(rows),
                "patient": patient_id,
                "site": site_id,
                "visit": visit,
                "status": "complete",
                "version": 1,
                "entered_in_error": False,
                "created_at": now,
                "created_by": user_id,
                "updated_at": now,
                "updated_by": user_id,
            }
            rows.append(
                tuple(
                    item_value(f, rng, day, n) if f.name in items else values.get(f.name)
                    for f in fields
                )
            )
    copy_rows(model, columns, rows)
    by_column = {c: i for i, c in enumerate(columns)}
    _history_rows(model, columns, rows, users_by_row=lambda r: r[by_column["created_by_id"]],
                  when=now)  # fmt: skip
    _reset_sequence(model)
    return len(rows)


def _history_rows(model, columns, rows, *, users_by_row, when: datetime) -> None:
    """One "created" history row per record, as the services would have left."""
    history = model.history.model
    start = (history.objects.aggregate(last=models.Max("history_id"))["last"] or 0) + 1
    extra = ["history_id", "history_date", "history_change_reason", "history_type"]
    copy_rows(
        history,
        [*columns, *extra, "history_user_id"],
        ((*row, start + n, when, "Created", "+", users_by_row(row)) for n, row in enumerate(rows)),
    )
    _history_reset(model)


def exported_tables() -> list[str]:
    """The database tables the dataset export reads."""
    from ecrf.models import CRF_MODELS

    return [m._meta.db_table for m in (Patient, Randomization, Visit, *CRF_MODELS)]


def main():
    """Migrate, seed, analyze; print what was seeded as JSON (for bench/export_benchmark.py)."""
    import argparse

    from django.core.management import call_command

    parser = argparse.ArgumentParser(description="Seed a large study for the benchmarks.")
    parser.add_argument("--patients", type=int, default=5000)
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    seeded = seed_study(patients=options.patients)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        json.dumps(
            {
                "patients": seeded.patients,
                "forms": seeded.total_forms,
                "tables": exported_tables(),
            }
        )
    )


if __name__ == "__main__":
    main()
