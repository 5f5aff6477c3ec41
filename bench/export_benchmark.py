"""`make bench-export`: the dataset export against psql's \\copy, on a seeded PostgreSQL.

Seeds the database in DATABASE_URL (scripts/with-postgres gives a throwaway one) with 5,000
patients and 100,000 forms (bench/seed.py), then in one run measures the wall time and the
peak resident memory (ru_maxrss of the child process) of:

- psql \\copy of every table the export reads (patients, randomizations, visits, the forms) to
  CSV files: PostgreSQL's own speed, the reference;
- `manage.py export_dataset --format csv` (the ZIP with every table and its label columns, the
  dictionary and the manifest), and once each of the other formats.

This process stays small and imports no Django: every measured command is its own child, so
none starts life as a copy of a large parent. The results table is printed and written to
bench/BENCHMARKS.md.
"""

import argparse
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PSQL = os.environ.get("PSQL", "/usr/bin/psql")
RESULTS = ROOT / "bench" / "BENCHMARKS.md"
CSV_TARGET_RATIO = 3
RSS_TARGET_MB = 100
CHILD_ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "trial.settings",
    "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
    "SECURE_SSL_REDIRECT": "0",
    "PYTHONPATH": str(ROOT),
}
CHILD_ENV.pop("DEBUG", None)  # DEBUG keeps every query in memory
LAST_MESSAGES: list[str] = []


def measure(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a child process; its messages go to LAST_MESSAGES."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        child = subprocess.Popen(
            args, cwd=ROOT, env=CHILD_ENV, stdout=subprocess.DEVNULL, stderr=errors
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        LAST_MESSAGES[:] = errors.read().decode().splitlines()
        if child.returncode != 0:
            raise SystemExit(f"{' '.join(map(str, args[:4]))} failed:\n" + "\n".join(LAST_MESSAGES))
    return elapsed, usage.ru_maxrss / 1024


def export_seconds() -> float:
    """What the last export command reported for the export itself, after Django's start-up."""
    found = re.search(r" in ([0-9.]+) s ", "\n".join(LAST_MESSAGES))
    return float(found.group(1)) if found else math.nan


def psql(*args: str) -> list[str]:
    return [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", os.environ["DATABASE_URL"], *args]


def psql_copy(folder: Path, tables: list[str]) -> list[str]:
    script = folder / "copy.sql"
    script.write_text(
        "".join(
            f"\\copy {table} TO '{folder / table}.csv' WITH (FORMAT csv, HEADER)\n"
            for table in tables
        )
    )
    return psql("-f", str(script))


def psql_queries(folder: Path, queries: dict[str, str]) -> list[str]:
    script = folder / "queries.sql"
    script.write_text(
        "".join(
            f"\\copy ({query}) TO '{folder / name}.query.csv' WITH (FORMAT csv)\n"
            for name, query in queries.items()
        )
    )
    return psql("-f", str(script))


def django_start() -> list[str]:
    return [sys.executable, "manage.py", "export_dataset", "--help"]


def export(fmt: str, out: Path) -> list[str]:
    return [
        sys.executable,
        "manage.py",
        "export_dataset",
        "--format",
        fmt,
        "--user",
        "datamanager",
        "--out",
        str(out),
    ]


def row(name: str, seconds: list[float], rss: list[float], size: int, reference: float | None):
    best = min(seconds)
    ratio = f"{best / reference:.2f}x" if reference else ""
    median = statistics.median(seconds)
    return f"| {name} | {best:.2f} | {median:.2f} | {ratio} | {max(rss):.0f} | {size / 1e6:.1f} |"


def environment() -> str:
    version = subprocess.run(
        [*psql("-At", "-c", "SHOW server_version")], capture_output=True, text=True, check=True
    ).stdout.strip()
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"Python {platform.python_version()}, PostgreSQL {version} on the same machine "
        f"(scripts/with-postgres: fsync off), {cpu}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} when the run ended"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of psql and of the CSV export")
    parser.add_argument("--formats", default="xlsx,sas,stata,spss,odm", help="also run these once")
    parser.add_argument("--no-write", action="store_true", help="print only, keep BENCHMARKS.md")
    parser.add_argument(
        "--append", action="store_true", help="add this run to BENCHMARKS.md as a section"
    )
    options = parser.parse_args()

    started = time.perf_counter()
    seed = [sys.executable, "-m", "bench.seed", "--patients", str(options.patients)]
    done = subprocess.run(seed, cwd=ROOT, env=CHILD_ENV, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    seeded = json.loads(done.stdout)
    seed_seconds = time.perf_counter() - started
    patients, forms = seeded["patients"], seeded["forms"]
    print(f"Seeded {patients:,} patients and {forms:,} forms in {seed_seconds:.0f} s")

    lines = []
    with tempfile.TemporaryDirectory(prefix="ecrf-bench-") as tmp:
        folder = Path(tmp)
        os.chmod(folder, 0o777)  # psql may run as another user than this process
        runs = [measure(psql_copy(folder, seeded["tables"])) for _ in range(options.repeat)]
        copy_seconds, copy_rss = [s for s, _ in runs], [r for _, r in runs]
        copied = sum(p.stat().st_size for p in folder.glob("*.csv"))
        lines.append(row("psql \\copy (CSV files)", copy_seconds, copy_rss, copied, None))
        reference = min(copy_seconds)

        statements = [sys.executable, "-m", "bench.statements"]
        done = subprocess.run(statements, cwd=ROOT, env=CHILD_ENV, capture_output=True, text=True)
        queries = json.loads(done.stdout)
        runs = [measure(psql_queries(folder, queries)) for _ in range(options.repeat)]
        size = sum(p.stat().st_size for p in folder.glob("*.query.csv"))
        lines.append(
            row(
                "psql \\copy of the export's own queries (form tables)",
                [s for s, _ in runs],
                [r for _, r in runs],
                size,
                reference,
            )
        )
        runs = [measure(django_start()) for _ in range(options.repeat)]
        lines.append(
            row("Django start-up alone (export_dataset --help)", [s for s, _ in runs],
                [r for _, r in runs], 0, reference)
        )  # fmt: skip

        out = folder / "dataset-csv.zip"
        runs, inside = [], []
        for _ in range(options.repeat):
            runs.append(measure(export("csv", out)))
            inside.append(export_seconds())
        csv_seconds, csv_rss = [s for s, _ in runs], [r for _, r in runs]
        size = out.stat().st_size
        lines.append(row("export_dataset csv (ZIP)", csv_seconds, csv_rss, size, reference))
        lines.append(
            row("  of which the export itself (after start-up)", inside, csv_rss, size, reference)
        )
        unzipped = sum(i.file_size for i in zipfile.ZipFile(out).infolist())
        print(f"CSV export: {unzipped / 1e6:.1f} MB of files, {size / 1e6:.1f} MB zipped")
        for fmt in [f for f in options.formats.split(",") if f]:
            out = folder / f"dataset-{fmt}.zip"
            seconds, rss = measure(export(fmt, out))
            size = out.stat().st_size
            lines.append(row(f"export_dataset {fmt} (ZIP)", [seconds], [rss], size, reference))

    ratio = min(csv_seconds) / reference
    inside_ratio = min(inside) / reference
    verdict = (
        f"CSV export within {CSV_TARGET_RATIO}x of psql \\copy: "
        f"{'met' if inside_ratio <= CSV_TARGET_RATIO else 'NOT met'} for the export "
        f"({inside_ratio:.2f}x); {'met' if ratio <= CSV_TARGET_RATIO else 'not met'} for the "
        f"whole command with its fixed start-up ({ratio:.2f}x). "
        f"CSV export peak RSS under {RSS_TARGET_MB} MB: "
        f"{'met' if max(csv_rss) < RSS_TARGET_MB else 'NOT met'} ({max(csv_rss):.0f} MB)."
    )
    table = "\n".join(
        [
            "| run | best s | median s | vs psql | peak RSS MB | output MB |",
            "|---|---:|---:|---:|---:|---:|",
            *lines,
        ]
    )
    print(table)
    print(verdict)
    if options.no_write:
        return
    if options.append:
        with RESULTS.open("a") as results:
            results.write(
                f"\n## {patients:,} patients, {forms:,} forms (CSV only)\n\n"
                f"{table}\n\n{verdict}\n\nMachine: {environment()}. Seeding took "
                f"{seed_seconds:.0f} s.\n"
            )
        print(f"Added to {RESULTS.relative_to(ROOT)}")
        return
    pages = _page_section()
    RESULTS.write_text(
        "# Export benchmark\n\n"
        "`make bench-export` (bench/export_benchmark.py) seeds a throwaway PostgreSQL with "
        f"{patients:,} patients and {forms:,} form instances (bench/seed.py, COPY: every "
        "patient randomized, with 7 visits and 20 forms: the 9 screening forms, 6 FOLFOX "
        "cycles, 3 adverse events, a medication and a CEA test; one history row per record), "
        "then runs each command below as a child process and reads its wall time and peak "
        "resident memory (`ru_maxrss`). psql copies every table the export reads to CSV "
        f"files, best of {options.repeat}. The CSV export writes the whole ZIP (every table "
        "with its label columns, the dictionary, the manifest), best and median of "
        f"{options.repeat}, start-up of Django included; the other formats run once. Output "
        "MB is the size on disk (the ZIP compressed).\n\n"
        f"{table}\n\n{verdict}\n\n"
        f"Machine: {environment()}. Seeding took {seed_seconds:.0f} s.\n\n"
        "Why the numbers look as they do. On PostgreSQL the CSV of a form table is the scoped "
        "queryset's own SQL run as `COPY ... TO STDOUT` (ecrf/exports/csv.py), its rows "
        "written into the ZIP as libpq receives them: the export costs that COPY (the joins "
        "for subject, site and visit, the sort by subject and the CASE that spells each label "
        "make it dearer than copying the bare tables, see the second row) and deflate. The "
        "whole command adds Django's start-up (third row: Django and the tracked models with "
        "their history models; management commands do not load the admin, and so neither "
        "django-import-export, openpyxl nor numpy, and export_dataset skips the system "
        "checks) and the interpreter's exit: a fixed cost that does not grow with the data, "
        "so the whole command comes closer to psql as the study grows (the section below, "
        "when `make bench-export` has run it). From the admin's Export dataset page, where "
        "Django is already running, a data manager waits for the export alone. Its memory is "
        "that of the Django process and stays flat as the study grows "
        "(tests/ecrf/test_export_scale.py). "
        "SAS, Stata and SPSS hold one table at a time in a DataFrame (pyreadstat writes from "
        "one), hence their memory; Excel is written cell by cell by openpyxl, the slowest "
        "format; ODM builds one subject's elements at a time and holds a batch of 500 "
        "subjects' forms.\n" + pages
    )
    print(f"Written to {RESULTS.relative_to(ROOT)}")


def _page_section() -> str:
    """The page benchmark's section of BENCHMARKS.md (bench/page_benchmark.py), kept."""
    text = RESULTS.read_text() if RESULTS.exists() else ""
    marker = "\n# Page benchmark\n"
    return "\n" + marker.lstrip("\n") + text.split(marker, 1)[1] if marker in text else ""


if __name__ == "__main__":
    main()
