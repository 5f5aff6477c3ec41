"""Memory stays flat as the study grows: exporting 2,000 patients grows the process by less
than 100 MB, in every format.

The patients and forms are written with COPY by the benchmark's seed (bench/seed.py), a test
fixture here as there. Resident memory is sampled while the export runs (it counts what C
libraries allocate too); the CSV path is also traced with tracemalloc. Memory, not time.
"""

import os
import threading
import tracemalloc

import pytest
from django.contrib.auth import get_user_model

from bench.seed import seed_study
from ecrf.exports.dataset import FORMATS, start_export
from ecrf.models import AdverseEvent, FolfoxCycle
from tests.ecrf.test_export_dataset import rolled_back

PATIENTS = 2000
LIMIT_MB = 100
PAGE = os.sysconf("SC_PAGE_SIZE")
pytestmark = pytest.mark.xdist_group("export_scale")


def resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


class PeakResident:
    """The highest resident memory above the starting point while the block runs."""

    def __enter__(self):
        self.start = self.peak = resident()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._done.wait(0.005):
            self.peak = max(self.peak, resident())

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, resident())

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def large_study():
    seeded = seed_study(patients=PATIENTS, forms={FolfoxCycle: 1, AdverseEvent: 1})
    return get_user_model().objects.get(username="datamanager"), seeded


@pytest.fixture(scope="module")
def large(django_db_setup, django_db_blocker):
    yield from rolled_back(django_db_blocker, large_study)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_export_of_2000_patients_grows_memory_by_less_than_100_mb(db, large, fmt):
    user, seeded = large
    assert seeded.patients == PATIENTS and seeded.total_forms == 2 * PATIENTS
    export = start_export(user=user, format=fmt)
    with PeakResident() as memory:
        size = sum(len(chunk) for chunk in export.chunks())
    assert size > 0
    assert export.manifest["tables"][0]["rows"] == PATIENTS
    assert memory.growth_mb < LIMIT_MB, f"{fmt}: {memory.growth_mb:.1f} MB"


def test_csv_export_traces_little_python_memory(db, large):
    user, _seeded = large
    export = start_export(user=user, format="csv")
    tracemalloc.start()
    try:
        for _chunk in export.chunks():
            pass
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # rows are never held: what is traced is buffers and the query machinery
    assert peak / 2**20 < 20
