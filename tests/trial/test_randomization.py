"""Randomizing a patient: the gate, who may, atomic allocation, exhaustion, the record."""

import logging
import threading
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, close_old_connections, transaction
from django.http import Http404
from django.test import RequestFactory

from tests.factories import make_patient
from tests.trial.test_randomization_rules import eligible_facts
from trial import protocol
from trial.history import system_user
from trial.models import (
    AccessAction,
    AccessLog,
    AlertKind,
    AllocationEntry,
    CorrectionKind,
    DataManagerAlert,
    Patient,
    PatientStatus,
    Randomization,
)
from trial.randomization import (
    RandomizationRefused,
    RefusalCode,
    Strata,
    StratumExhausted,
    StratumNotLoaded,
    arm_of,
    generate_allocation_list,
    randomization_of,
    randomize_patient,
    record_randomization_correction,
    resolve_alert,
)

SYNC = Strata(synchronous_metastases=True)
META = Strata(synchronous_metastases=False)


def load_list(*site_codes, per_stratum=8, seed=11):
    return generate_allocation_list(
        seed=seed, per_stratum=per_stratum, site_codes=list(site_codes), acting_user=system_user()
    )


def randomize(patient, user, strata=SYNC, **facts):
    return randomize_patient(
        patient=patient, facts=eligible_facts(**facts), strata=strata, acting_user=user
    )


@pytest.fixture
def s01_list(s01):
    return load_list("S01")


def test_investigator_randomizes_own_patient_and_it_is_recorded(inv_s01, pat_s01, s01_list):
    randomization = randomize(pat_s01, inv_s01)
    entry = AllocationEntry.objects.get(stratum__key="S01|synchronous", position=1)
    assert randomization.entry == entry
    assert (randomization.arm, randomization.stratum, randomization.list_position) == (
        entry.arm,
        "S01|synchronous",
        1,
    )
    assert randomization.site == pat_s01.site
    assert randomization.randomized_by == inv_s01
    assert randomization.randomized_at is not None
    history = randomization.history.get()
    assert (history.history_user, history.history_change_reason) == (inv_s01, "Randomized")
    pat_s01.refresh_from_db()
    assert pat_s01.status == PatientStatus.RANDOMIZED
    assert arm_of(pat_s01) == protocol.Arm(entry.arm)


def test_strata_keep_separate_lists(inv_s01, s01, s01_list):
    sync, meta = make_patient(s01), make_patient(s01)
    assert randomize(sync, inv_s01, SYNC).stratum == "S01|synchronous"
    second = randomize(meta, inv_s01, META)
    assert (second.stratum, second.list_position) == ("S01|metachronous", 1)


def test_site_is_a_stratum(inv_s01, inv_s02, s01, s02):
    load_list("S01", "S02")
    a = randomize(make_patient(s01), inv_s01)
    b = randomize(make_patient(s02), inv_s02)
    assert (a.stratum, a.list_position) == ("S01|synchronous", 1)
    assert (b.stratum, b.list_position) == ("S02|synchronous", 1)


def test_strata_may_be_given_as_a_mapping(coord_s01, pat_s01, s01_list):
    randomization = randomize_patient(
        patient=pat_s01,
        facts=eligible_facts(),
        strata={"synchronous_metastases": False},
        acting_user=coord_s01,
    )
    assert randomization.stratum == "S01|metachronous"


def test_allocation_follows_the_list_in_order(inv_s01, s01, s01_list):
    expected = list(
        AllocationEntry.objects.filter(stratum__key="S01|synchronous")
        .order_by("position")
        .values_list("arm", flat=True)
    )
    arms = [randomize(make_patient(s01), inv_s01).arm for _ in expected]
    assert arms == expected


def test_arm_of_unrandomized_patient_is_none(pat_s01):
    assert arm_of(pat_s01) is None
    assert randomization_of(pat_s01) is None


def test_randomization_of_a_randomized_patient(inv_s01, pat_s01, s01_list):
    randomization = randomize(pat_s01, inv_s01)
    assert randomization_of(pat_s01) == randomization


def test_randomization_is_logged_in_the_access_log(inv_s01, pat_s01, s01_list):
    request = RequestFactory().post("/", REMOTE_ADDR="10.1.2.3")
    request.user = inv_s01
    randomize_patient(
        patient=pat_s01, facts=eligible_facts(), strata=SYNC, acting_user=inv_s01, request=request
    )
    log = AccessLog.objects.get(action=AccessAction.RANDOMIZATION)
    assert (log.user, log.username, log.site, log.ip_address) == (
        inv_s01,
        "inv_s01",
        pat_s01.site,
        "10.1.2.3",
    )
    assert pat_s01.subject_id in log.detail
    assert "FOLFOX" not in log.detail


# Who may randomize -------------------------------------------------------------------------


def test_s02_investigator_cannot_randomize_s01_patient(inv_s02, pat_s01, s01_list):
    with pytest.raises(Http404):
        randomize(pat_s01, inv_s02)
    assert not Randomization.objects.exists()


@pytest.mark.parametrize("persona", ["mon_s01", "dm_s01", "datamanager", "admin_user"])
def test_readers_cannot_randomize(request, persona, pat_s01, s01_list):
    with pytest.raises(PermissionDenied):
        randomize(pat_s01, request.getfixturevalue(persona))
    assert not Randomization.objects.exists()


# The gate ----------------------------------------------------------------------------------


def test_ineligible_patient_is_refused_with_reasons_and_nothing_is_used(inv_s01, pat_s01, s01_list):
    with pytest.raises(RandomizationRefused) as refused:
        randomize(pat_s01, inv_s01, postoperative_ctdna_positive=False, resection_margin="R1")
    assert [r.code for r in refused.value.refusals] == [
        RefusalCode.RESECTION_NOT_R0,
        RefusalCode.CTDNA_NOT_POSITIVE,
    ]
    assert "negative" in str(refused.value)
    assert not Randomization.objects.exists()
    pat_s01.refresh_from_db()
    assert pat_s01.status == PatientStatus.SCREENING


def test_second_randomization_is_refused_even_if_the_facts_say_otherwise(
    inv_s01, pat_s01, s01_list
):
    first = randomize(pat_s01, inv_s01)
    with pytest.raises(RandomizationRefused) as refused:
        randomize(pat_s01, inv_s01, already_randomized=False)
    assert RefusalCode.ALREADY_RANDOMIZED in [r.code for r in refused.value.refusals]
    assert Randomization.objects.get() == first


def test_patient_entered_in_error_is_refused(inv_s01, pat_s01, s01_list):
    pat_s01.entered_in_error = True
    pat_s01.save()
    with pytest.raises(RandomizationRefused) as refused:
        randomize(pat_s01, inv_s01)
    assert [r.code for r in refused.value.refusals] == [RefusalCode.ENTERED_IN_ERROR]


def test_screen_failed_patient_is_refused(inv_s01, pat_s01, s01_list):
    pat_s01.status = PatientStatus.SCREEN_FAILED
    pat_s01.save()
    with pytest.raises(RandomizationRefused) as refused:
        randomize(pat_s01, inv_s01)
    assert [r.code for r in refused.value.refusals] == [RefusalCode.NOT_IN_SCREENING]
    assert "screen failed" in refused.value.refusals[0].message


def test_screen_failure_committed_after_the_gate_is_caught_under_the_lock(
    inv_s01, pat_s01, s01_list
):
    from trial.randomization.allocation import _allocate

    # The gate has passed on a stale copy; the stored record has meanwhile changed.
    stored = Patient.objects.get(pk=pat_s01.pk)
    stored.status = PatientStatus.SCREEN_FAILED
    stored.save()
    with pytest.raises(RandomizationRefused) as refused:
        _allocate(patient=pat_s01, key="S01|synchronous", acting_user=inv_s01, request=None)
    assert [r.code for r in refused.value.refusals] == [RefusalCode.NOT_IN_SCREENING]
    assert not Randomization.objects.filter(patient=pat_s01).exists()


# No entry left -----------------------------------------------------------------------------


def test_exhausted_stratum_stops_with_clear_error_and_alerts_data_managers(inv_s01, s01, caplog):
    load_list("S01", per_stratum=2)
    randomize(make_patient(s01), inv_s01)
    randomize(make_patient(s01), inv_s01)
    third = make_patient(s01)
    with caplog.at_level(logging.ERROR, logger="trial.randomization"):
        with pytest.raises(StratumExhausted) as stopped:
            randomize(third, inv_s01)
    assert "S01|synchronous" in str(stopped.value)
    assert "has not been randomized" in str(stopped.value)
    assert Randomization.objects.count() == 2
    assert not Randomization.objects.filter(patient=third).exists()
    alert = DataManagerAlert.objects.get()
    assert (alert.kind, alert.site, alert.stratum, alert.patient) == (
        AlertKind.STRATUM_EXHAUSTED,
        s01,
        "S01|synchronous",
        third,
    )
    assert third.subject_id in alert.message and alert.resolved_at is None
    assert any(
        r.levelno == logging.ERROR and third.subject_id in r.getMessage() for r in caplog.records
    )
    # The other stratum of the site still randomizes.
    assert randomize(third, inv_s01, META).list_position == 1


def test_site_without_a_list_stops_and_alerts(inv_s02, pat_s02, s01_list):
    with pytest.raises(StratumNotLoaded) as stopped:
        randomize(pat_s02, inv_s02)
    assert "S02|synchronous" in str(stopped.value)
    assert DataManagerAlert.objects.get().kind == AlertKind.STRATUM_NOT_LOADED


@pytest.mark.django_db(transaction=True)
def test_alert_outlives_the_rolled_back_allocation(inv_s01, s01):
    load_list("S01", per_stratum=2)
    for _ in range(2):
        randomize(make_patient(s01), inv_s01)
    with pytest.raises(StratumExhausted):
        randomize(make_patient(s01), inv_s01)
    assert DataManagerAlert.objects.count() == 1


def test_data_manager_resolves_an_alert(datamanager, inv_s02, pat_s02, s01_list):
    with pytest.raises(StratumNotLoaded):
        randomize(pat_s02, inv_s02)
    alert = DataManagerAlert.objects.get()
    with pytest.raises(ValidationError):
        resolve_alert(alert=alert, acting_user=datamanager, reason=" ")
    resolve_alert(alert=alert, acting_user=datamanager, reason="S02 list loaded")
    alert.refresh_from_db()
    assert (alert.resolved_by, alert.resolution) == (datamanager, "S02 list loaded")


# Simultaneous randomizations ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_randomizations_take_twenty_consecutive_entries(inv_s01, s01):
    count = 20
    load_list("S01", per_stratum=24)
    patient_ids = [make_patient(s01).pk for _ in range(count)]
    barrier = threading.Barrier(count)
    errors = []

    def randomize_one(patient_id):
        try:
            from trial.models import Patient

            user = get_user_model().objects.get(username="inv_s01")
            patient = Patient.objects.get(pk=patient_id)
            barrier.wait()
            randomize(patient, user)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=randomize_one, args=(pk,)) for pk in patient_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    taken = list(Randomization.objects.values_list("list_position", "entry_id", "patient_id"))
    assert sorted(position for position, _, _ in taken) == list(range(1, count + 1))
    assert len({entry for _, entry, _ in taken}) == count
    assert {patient for _, _, patient in taken} == set(patient_ids)


# Final: never changed, never deleted -------------------------------------------------------


@pytest.fixture
def randomized(inv_s01, pat_s01, s01_list):
    return randomize(pat_s01, inv_s01)


def test_randomization_cannot_be_saved_again(randomized):
    randomized.arm = protocol.Arm.FOLFOX_ALONE
    with pytest.raises(IntegrityError):
        randomized.save()
    with pytest.raises(IntegrityError):
        randomized.delete()


@pytest.mark.parametrize(
    "change",
    [
        lambda: Randomization.objects.update(list_position=99),
        lambda: Randomization.objects.all().delete(),
        lambda: AllocationEntry.objects.update(arm="FOLFOX"),
        lambda: AllocationEntry.objects.filter(randomization__isnull=True).delete(),
        lambda: AccessLog.objects.all().delete(),
    ],
    ids=[
        "update randomization",
        "delete randomization",
        "rewrite list",
        "delete unused entries",
        "delete access log",
    ],
)
def test_database_refuses_to_change_final_rows(randomized, change):
    with pytest.raises(IntegrityError), transaction.atomic():
        change()
    assert Randomization.objects.get().list_position == 1


def test_data_manager_records_an_error_and_the_randomization_stays(datamanager, randomized):
    before = Randomization.objects.values().get()
    correction = record_randomization_correction(
        randomization=randomized,
        kind=CorrectionKind.WRONG_STRATUM,
        reason="Metastases were metachronous (CT of 2025-11-02).",
        acting_user=datamanager,
    )
    assert correction.recorded_by == datamanager
    assert correction.history.get().history_change_reason.startswith("Metastases")
    assert Randomization.objects.values().get() == before
    assert arm_of(randomized.patient) == protocol.Arm(before["arm"])


@pytest.mark.parametrize("persona", ["inv_s01", "mon_s01", "dm_s01"])
def test_only_study_wide_data_managers_record_corrections(request, persona, randomized):
    with pytest.raises(PermissionDenied):
        record_randomization_correction(
            randomization=randomized,
            kind=CorrectionKind.OTHER,
            reason="x",
            acting_user=request.getfixturevalue(persona),
        )


def test_correction_needs_a_reason(datamanager, randomized):
    with pytest.raises(ValidationError):
        record_randomization_correction(
            randomization=randomized,
            kind=CorrectionKind.OTHER,
            reason="  ",
            acting_user=datamanager,
        )


def test_consent_date_is_compared_with_the_given_today(inv_s01, pat_s01, s01_list):
    with pytest.raises(RandomizationRefused):
        randomize(pat_s01, inv_s01, consent_date=date(2026, 3, 11), today=date(2026, 3, 10))
