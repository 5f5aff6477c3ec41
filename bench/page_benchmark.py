"""`make bench-pages`: the pages people wait for, against a trivial page, on a large study.

Seeds the database in DATABASE_URL (scripts/with-postgres gives a throwaway one) with 5,000
patients and 100,000 forms (bench/seed.py; 1,000 patients a site), then, in one process with
Django's test client, times each page (median of --repeat runs after two warm-up runs) and
counts its SQL queries. The reference is the liveness page (/healthz: one SELECT 1), so the
ratios say what a page costs beyond Django's own request handling on this machine. The
results table goes into bench/BENCHMARKS.md, section "Page benchmark".
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "BENCHMARKS.md"
SECTION = "# Page benchmark"
# A page within 40x the trivial page: about 0.2 s on this machine, where a click still feels
# immediate. The number of SQL queries is not a target here: that it does not grow with the
# study is asserted by the tests.
PAGE_TARGET_RATIO = 40


def seed(patients: int) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.seed", "--patients", str(patients)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)


def add_queries(raised_by, every: int = 10) -> int:
    """A query on every tenth FOLFOX cycle of S01, some answered, some closed. Written in bulk
    like the rest of the benchmark's study (bench/seed.py), not through the services."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from ecrf.models import FolfoxCycle, Query
    from ecrf.models.workflow import QueryStatus

    form_type = ContentType.objects.get_for_model(FolfoxCycle)
    statuses = [QueryStatus.OPEN, QueryStatus.ANSWERED, QueryStatus.CLOSED]
    cycles = FolfoxCycle.objects.filter(site__code="S01").order_by("pk")
    rows = [
        Query(
            patient_id=cycle.patient_id,
            site_id=cycle.site_id,
            form_type=form_type,
            form_id=cycle.pk,
            field_name="oxa_exdose",
            text="Please check the administered dose against the chemotherapy order.",
            status=statuses[n % 3],
            raised_by=raised_by,
            answer="Checked." if n % 3 else "",
            answered_at=timezone.now() if n % 3 else None,
        )
        for n, cycle in enumerate(cycles[::every])
    ]
    Query.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def measure(client, url: str, repeat: int) -> tuple[float, int, int]:
    """Median milliseconds, SQL queries and status of GET url."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        client.get(url)
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        seconds.append(time.perf_counter() - start)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return statistics.median(seconds) * 1000, len(queries), response.status_code


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--no-write", action="store_true", help="print only")
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trial.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.pop("DEBUG", None)
    seed(options.patients)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from ecrf.models import FolfoxCycle
    from trial.models import Patient

    users = get_user_model().objects
    queries = add_queries(users.get(username="datamanager"))
    investigator, manager = Client(), Client()
    investigator.force_login(users.get(username="bench_inv_s01"))
    manager.force_login(users.get(username="datamanager"))
    patient = Patient.objects.filter(site__code="S01").order_by("pk").first()
    cycle = FolfoxCycle.objects.filter(patient=patient).order_by("cycle").first()
    at_s01 = Patient.objects.filter(site__code="S01").count()
    pages = [
        ("trivial page (/healthz)", investigator, reverse("healthz")),
        (f"patient list, investigator ({at_s01:,} patients)", investigator,
         reverse("ecrf:patient_list")),
        ("patient list, searched and sorted", investigator,
         reverse("ecrf:patient_list") + "?q=S01-0&sort=-randomized"),
        (f"patient list, study-wide data manager ({options.patients:,})", manager,
         reverse("ecrf:patient_list")),
        ("casebook", investigator, reverse("ecrf:casebook", args=[patient.subject_id])),
        ("FOLFOX cycle form", investigator,
         reverse("ecrf:form_edit", args=[patient.subject_id, "folfox_cycle", cycle.pk])),
        (f"queries list ({queries:,} queries at S01)", investigator,
         reverse("ecrf:query_list")),
        ("patient's audit trail", investigator,
         reverse("ecrf:audit_patient", args=[patient.subject_id])),
    ]  # fmt: skip
    rows, verdicts = [], []
    reference = None
    for name, client, url in pages:
        ms, queries, status = measure(client, url, options.repeat)
        if status != 200:
            raise SystemExit(f"{name}: {url} answered {status}")
        if reference is None:
            reference = ms
            rows.append(f"| {name} | {ms:.1f} |  | {queries} |")
            continue
        ratio = ms / reference
        rows.append(f"| {name} | {ms:.1f} | {ratio:.1f}x | {queries} |")
        if ratio > PAGE_TARGET_RATIO:
            verdicts.append(name)
    table = "\n".join(
        ["| page | median ms | vs trivial page | SQL queries |", "|---|---:|---:|---:|", *rows]
    )
    verdict = f"Target: every page within {PAGE_TARGET_RATIO}x the trivial page: " + (
        "met." if not verdicts else f"NOT met by {', '.join(verdicts)}."
    )
    print(table)
    print(verdict)
    if options.no_write:
        return
    section = (
        f"{SECTION}\n\n`make bench-pages` (bench/page_benchmark.py) seeds a throwaway "
        f"PostgreSQL with {options.patients:,} patients (bench/seed.py) and times each page "
        f"in one process with Django's test client: median of {options.repeat} requests after "
        "two warm-up requests, and the SQL queries of one request. The query counts do not "
        "grow with the study (tests/ecrf/test_entry_patients.py and the other query-count "
        "tests assert it from 10 to 200 patients); the lists are paginated.\n\n"
        f"{table}\n\n{verdict}\n\n"
        "Why the numbers look as they do. The lists cost a handful of queries whatever the "
        "number of patients: one page of rows with their counts annotated. The casebook asks "
        "each form table for the patient's forms (one query a form) and the visits with their "
        "state. The audit trail is the dearest page: it reads the history tables of the 33 "
        "audited models, one UNION for the page's positions, one for the users of the filter, "
        "then the rows of each model that has some on the page, one model at a time; the "
        "first page of a patient shows every item of each record as created, several hundred "
        "table rows. About half of its time is building those queries in the ORM and a third "
        "rendering the rows; it stays short of the target.\n"
    )
    text = RESULTS.read_text() if RESULTS.exists() else ""
    kept = text.split(f"\n{SECTION}\n")[0].rstrip("\n") if SECTION in text else text.rstrip("\n")
    RESULTS.write_text((kept + "\n\n" if kept else "") + section)
    print(f"Written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
