"""Subject IDs are assigned by the system: S01-001 style, unique, gap-free, never reused."""

import threading

import pytest
from django.db import close_old_connections

from tests.factories import make_patient
from trial.models import Patient


def test_first_patient_at_site_gets_001(s01):
    assert make_patient(s01).subject_id == "S01-001"


def test_numbering_is_per_site(s01, s02):
    make_patient(s01)
    make_patient(s01)
    assert make_patient(s02).subject_id == "S02-001"
    assert make_patient(s01).subject_id == "S01-003"


@pytest.mark.django_db(transaction=True)
def test_simultaneous_registrations_never_share_or_skip_an_id(s01):
    count = 12
    barrier = threading.Barrier(count)
    errors = []

    def register():
        try:
            barrier.wait()
            make_patient(s01)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=register) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ids = sorted(Patient.objects.filter(site=s01).values_list("subject_id", flat=True))
    assert ids == [f"S01-{n:03d}" for n in range(1, count + 1)]


def test_subject_id_is_not_editable():
    assert Patient._meta.get_field("subject_id").editable is False
