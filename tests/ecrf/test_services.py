"""A form's life through the services: draft, complete, reason for change, conflict, lock."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ecrf import services
from ecrf.models import CheckFinding, Consent, Eligibility, FormStatus, Visit, VitalSigns
from tests.factories import PASSWORD

TODAY = timezone.localdate()
CONSENT_DATE = TODAY - timedelta(days=10)


def consent(patient, user, *, complete=True):
    return services.crf_create(
        model=Consent,
        patient=patient,
        acting_user=user,
        complete=complete,
        data={"dsstdat": CONSENT_DATE, "icversion": "2.0"},
    )


def test_consent_form_sets_consent_date_and_opens_screening_visit(inv_s01, pat_s01):
    consent(pat_s01, inv_s01)
    pat_s01.refresh_from_db()
    assert pat_s01.consent_date == CONSENT_DATE
    screening = Visit.objects.get(patient=pat_s01, code="SCR")
    assert screening.window_end == CONSENT_DATE + timedelta(days=28)


def reads_of(table: str, queries) -> int:
    return sum(f'FROM "{table}"' in q["sql"] for q in queries.captured_queries)


def test_a_state_form_save_reads_the_patients_facts_once(inv_s01, pat_s01):
    form = consent(pat_s01, inv_s01)
    with CaptureQueriesContext(connection) as queries:
        services.crf_save(
            crf=form,
            data={"dsstdat": CONSENT_DATE - timedelta(days=1)},
            acting_user=inv_s01,
            loaded_version=form.version,
            reason="Date misread",
        )
    # Facts the consent form does not feed are read once, for the edit checks.
    assert reads_of("ecrf_death", queries) == 1
    assert reads_of("trial_randomization", queries) == 1
    # The one it feeds is read again after the save, and the schedule follows it.
    pat_s01.refresh_from_db()
    assert pat_s01.consent_date == CONSENT_DATE - timedelta(days=1)
    screening = Visit.objects.get(patient=pat_s01, code="SCR")
    assert screening.window_end == CONSENT_DATE + timedelta(days=27)


def test_draft_may_be_partial_but_complete_needs_every_required_item(inv_s01, pat_s01):
    draft = services.crf_create(
        model=Consent, patient=pat_s01, acting_user=inv_s01, data={"icversion": "2.0"}
    )
    assert draft.status == FormStatus.DRAFT
    with pytest.raises(services.InvalidData) as refused:
        services.crf_save(
            crf=draft, data={}, acting_user=inv_s01, loaded_version=draft.version, complete=True
        )
    assert "dsstdat" in refused.value.errors


def test_changing_a_complete_form_needs_a_reason_that_lands_in_history(inv_s01, pat_s01):
    form = consent(pat_s01, inv_s01)
    with pytest.raises(services.InvalidData) as refused:
        services.crf_save(
            crf=form, data={"icversion": "2.1"}, acting_user=inv_s01, loaded_version=form.version
        )
    assert "reason" in refused.value.errors
    saved = services.crf_save(
        crf=form,
        data={"icversion": "2.1"},
        acting_user=inv_s01,
        loaded_version=form.version,
        reason="Transcription error",
    )
    latest = saved.history.first()
    assert latest.history_change_reason == "Transcription error"
    assert latest.history_user == inv_s01
    assert latest.icversion == "2.1"
    assert saved.status == FormStatus.COMPLETE


def test_save_that_changes_nothing_leaves_no_history_row(inv_s01, pat_s01):
    form = consent(pat_s01, inv_s01)
    rows = form.history.count()
    services.crf_save(
        crf=form, data={"icversion": "2.0"}, acting_user=inv_s01, loaded_version=form.version
    )
    assert form.history.count() == rows


def test_stale_version_is_a_conflict_showing_the_other_save(inv_s01, coord_s01, pat_s01):
    form = consent(pat_s01, inv_s01, complete=False)
    loaded = form.version
    services.crf_save(
        crf=form, data={"icversion": "3.0"}, acting_user=coord_s01, loaded_version=loaded
    )
    with pytest.raises(services.Conflict) as conflict:
        services.crf_save(
            crf=form, data={"icversion": "4.0"}, acting_user=inv_s01, loaded_version=loaded
        )
    assert conflict.value.current.icversion == "3.0"
    assert "coord_s01" in str(conflict.value)
    form.refresh_from_db()
    assert form.icversion == "3.0"


def test_verify_sign_lock_unlock(inv_s01, mon_s01, dm_s01, pat_s01):
    form = consent(pat_s01, inv_s01)
    form = services.crf_verify(crf=form, acting_user=mon_s01)
    assert form.status == FormStatus.VERIFIED and form.verified_by == mon_s01
    form = services.crf_sign(crf=form, acting_user=inv_s01, password=PASSWORD)
    assert form.status == FormStatus.SIGNED
    form = services.crf_lock(crf=form, acting_user=dm_s01)
    with pytest.raises(services.FormLocked) as locked:
        services.crf_save(
            crf=form,
            data={"icversion": "9"},
            acting_user=inv_s01,
            loaded_version=form.version,
            reason="x",
        )
    assert "dm_s01" in str(locked.value)
    with pytest.raises(services.InvalidData):
        services.crf_unlock(crf=form, acting_user=dm_s01, reason="")
    form = services.crf_unlock(crf=form, acting_user=dm_s01, reason="Query on consent version")
    assert form.status == FormStatus.SIGNED
    assert form.history.first().history_change_reason == "Query on consent version"


def test_editing_a_verified_form_clears_verification_and_signature(inv_s01, mon_s01, pat_s01):
    form = services.crf_verify(crf=consent(pat_s01, inv_s01), acting_user=mon_s01)
    form = services.crf_save(
        crf=form,
        data={"icversion": "2.2"},
        acting_user=inv_s01,
        loaded_version=form.version,
        reason="Corrected version",
    )
    assert form.status == FormStatus.COMPLETE
    assert form.verified_by is None
    assert form.history.filter(status=FormStatus.VERIFIED).exists()  # kept in the trail


def test_saving_a_verified_form_unchanged_keeps_its_verification(inv_s01, mon_s01, pat_s01):
    form = services.crf_verify(crf=consent(pat_s01, inv_s01), acting_user=mon_s01)
    rows = form.history.count()
    saved = services.crf_save(
        crf=form,
        data={"icversion": form.icversion},
        acting_user=inv_s01,
        loaded_version=form.version,
    )
    assert (saved.status, saved.verified_by) == (FormStatus.VERIFIED, mon_s01)
    assert form.history.count() == rows


def test_wrong_password_signs_nothing(inv_s01, pat_s01):
    form = consent(pat_s01, inv_s01)
    with pytest.raises(services.InvalidData):
        services.crf_sign(crf=form, acting_user=inv_s01, password="wrong")
    form.refresh_from_db()
    assert form.status == FormStatus.COMPLETE


@pytest.mark.parametrize("persona", ["mon_s01", "dm_s01", "inv_s02"])
def test_only_site_staff_enter_data(request, persona, pat_s01):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        consent(pat_s01, user)


def test_coordinator_cannot_sign(inv_s01, coord_s01, pat_s01):
    form = consent(pat_s01, inv_s01)
    with pytest.raises(PermissionDenied):
        services.crf_sign(crf=form, acting_user=coord_s01, password=PASSWORD)


def test_monitor_cannot_lock(inv_s01, mon_s01, pat_s01):
    with pytest.raises(PermissionDenied):
        services.crf_lock(crf=consent(pat_s01, inv_s01), acting_user=mon_s01)


def test_entered_in_error_stays_in_the_trail(inv_s01, pat_s01):
    form = consent(pat_s01, inv_s01)
    services.crf_mark_entered_in_error(crf=form, acting_user=inv_s01, reason="Wrong patient")
    form.refresh_from_db()
    assert form.entered_in_error
    assert Consent.objects.filter(pk=form.pk).exists()
    assert form.history.first().history_change_reason == "Wrong patient"


def test_eligibility_is_derived_from_the_criteria(inv_s01, pat_s01):
    consent(pat_s01, inv_s01)
    answers = {c: "Y" for c in Eligibility.INCLUSION} | {c: "N" for c in Eligibility.EXCLUSION}
    form = services.crf_create(
        model=Eligibility,
        patient=pat_s01,
        acting_user=inv_s01,
        data={"iedat": CONSENT_DATE, **answers},
    )
    assert form.eligible is True
    form = services.crf_save(
        crf=form, data={"ex09": "Y"}, acting_user=inv_s01, loaded_version=form.version
    )
    assert form.eligible is False
    form = services.crf_save(
        crf=form, data={"ex09": "U"}, acting_user=inv_s01, loaded_version=form.version
    )
    assert form.eligible is None


def test_bsa_is_computed_on_save(inv_s01, pat_s01):
    consent(pat_s01, inv_s01)
    form = services.crf_create(
        model=VitalSigns,
        patient=pat_s01,
        acting_user=inv_s01,
        complete=True,
        data={"vsdat": CONSENT_DATE, "height": 170, "weight": 70},
    )
    assert float(form.bsa) == 1.82


def test_hard_check_refuses_save_with_message_at_the_field(inv_s01, pat_s01):
    consent(pat_s01, inv_s01)
    with pytest.raises(services.InvalidData) as refused:
        services.crf_create(
            model=VitalSigns,
            patient=pat_s01,
            acting_user=inv_s01,
            data={"vsdat": TODAY + timedelta(days=3), "height": 170, "weight": 70},
        )
    assert "vsdat" in refused.value.errors


def test_soft_check_saves_and_records_a_finding(inv_s01, pat_s01):
    consent(pat_s01, inv_s01)
    form = services.crf_create(
        model=VitalSigns,
        patient=pat_s01,
        acting_user=inv_s01,
        complete=True,
        data={"vsdat": CONSENT_DATE, "height": 170, "weight": 205},
    )
    finding = CheckFinding.objects.get(form_id=form.pk)
    assert finding.field_name == "weight"
    form = services.crf_save(
        crf=form,
        data={"weight": 80},
        acting_user=inv_s01,
        loaded_version=form.version,
        reason="Typo",
    )
    finding.refresh_from_db()
    assert finding.status == "resolved"


def test_form_dated_before_consent_is_refused(inv_s01, pat_s01):
    consent(pat_s01, inv_s01)
    with pytest.raises(services.InvalidData) as refused:
        services.crf_create(
            model=VitalSigns,
            patient=pat_s01,
            acting_user=inv_s01,
            data={"vsdat": CONSENT_DATE - timedelta(days=1), "height": 170, "weight": 70},
        )
    assert "vsdat" in refused.value.errors


def test_unscheduled_visits_are_numbered(inv_s01, pat_s01):
    first = services.add_unscheduled_visit(
        patient=pat_s01, visit_date=date(2026, 3, 1), acting_user=inv_s01, reason="Fever"
    )
    second = services.add_unscheduled_visit(
        patient=pat_s01, visit_date=date(2026, 3, 9), acting_user=inv_s01, reason="Rash"
    )
    assert (first.code, second.code) == ("UNS01", "UNS02")
