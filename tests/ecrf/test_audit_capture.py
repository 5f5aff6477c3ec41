"""Capture: every change of trial data leaves a history row naming who and why."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from ecrf import services
from ecrf.models import CRF_MODELS, CheckFinding, FolfoxCycle, Query, VitalSigns
from tests.ecrf.builders import randomized, screened
from tests.factories import PASSWORD, UserFactory, make_patient
from trial.history import SYSTEM_USERNAME, history_tables, record_save, system_user
from trial.models import (
    AccessAction,
    AccessLog,
    AlertKind,
    AllocationList,
    DataManagerAlert,
    Patient,
    Role,
    Site,
)
from trial.patients import mark_patient_entered_in_error
from trial.randomization import (
    import_allocation_list,
    record_randomization_correction,
    resolve_alert,
)

# Models of trial and ecrf that keep no history rows of their own, and why.
UNTRACKED = {
    "trial.SubjectSequence": "a counter; the subject ID it issues is in the patient's history",
    "trial.AllocationStratum": "written once with its list (AllocationList history), then final",
    "trial.AllocationEntry": "written once with its list, then final (database trigger)",
    "trial.AccessLog": "is itself the log; append-only (database trigger)",
    "ecrf.SigningLockout": "security state, not trial data; each lockout is in the access log",
}


def maintenance_first(*site_codes):
    """An allocation list whose every stratum starts with the maintenance arm.

    Capecitabine cycles can be recorded only in that arm; the tests that touch every form
    need a patient there whatever stratum the builders put them in.
    """
    lines = ["stratum,position,arm,block,block_size"]
    for code in site_codes:
        for timing in ("synchronous", "metachronous"):
            lines += [f"{code}|{timing},1,FOLFOX_CAPE,1,2", f"{code}|{timing},2,FOLFOX,1,2"]
    import_allocation_list(content="\n".join(lines).encode(), acting_user=system_user())


def _history_models():
    return [m for m in apps.get_models() if m._meta.db_table in history_tables(apps)]


def test_every_model_holding_trial_data_is_tracked():
    untracked = []
    for model in apps.get_models():
        label = f"{model._meta.app_label}.{model.__name__}"
        if model._meta.app_label not in ("trial", "ecrf") or model.__name__.startswith(
            "Historical"
        ):
            continue
        if not hasattr(model, "history") and label not in UNTRACKED:
            untracked.append(label)
    assert not untracked, f"models without django-simple-history: {untracked}"


def test_every_crf_keeps_history_of_creation_and_change_with_user_and_reason(inv_s01, pat_s01):
    maintenance_first("S01")
    randomized(pat_s01, inv_s01)
    for model in CRF_MODELS:
        crf = services.crf_create(model=model, patient=pat_s01, data={}, acting_user=inv_s01)
        services.crf_mark_entered_in_error(
            crf=crf, acting_user=inv_s01, reason="Entered for the wrong patient"
        )
        rows = list(crf.history.order_by("history_id"))
        assert [(r.history_type, r.history_user, r.history_change_reason) for r in rows] == [
            ("+", inv_s01, "Form created"),
            ("~", inv_s01, "Entered for the wrong patient"),
        ], model


def test_a_whole_study_journey_leaves_every_history_table_attributed_and_explained(
    client, s01, inv_s01, mon_s01, datamanager, admin_user
):
    # Rows the fixtures made with factories are not the journey's.
    before = {
        m: m.objects.aggregate(last=Max("history_id"))["last"] or 0 for m in _history_models()
    }
    maintenance_first("S01")
    patient = make_patient(s01, acting_user=inv_s01)
    randomized(patient, inv_s01)
    cycle = services.crf_create(
        model=FolfoxCycle,
        patient=patient,
        acting_user=inv_s01,
        data={"cycle": 1, "exstdat": timezone.localdate(), "weight": 70, "dose_level": 0},
        complete=True,
    )
    services.crf_verify(crf=cycle, acting_user=mon_s01)
    services.crf_sign(crf=cycle, acting_user=inv_s01, password=PASSWORD)
    cycle = services.crf_lock(crf=cycle, acting_user=datamanager)
    services.crf_unlock(crf=cycle, acting_user=datamanager, reason="Weight to be corrected")
    extra_visit = services.add_unscheduled_visit(
        patient=patient, visit_date=timezone.localdate(), acting_user=inv_s01, reason="Fever"
    )
    for model in CRF_MODELS:
        draft = services.crf_create(
            model=model, patient=patient, visit=extra_visit, data={}, acting_user=inv_s01
        )
        services.crf_mark_entered_in_error(crf=draft, acting_user=inv_s01, reason="Wrong form")
    query = record_save(
        Query(
            patient=patient,
            site=patient.site,
            form_type_id=_content_type(FolfoxCycle),
            form_id=cycle.pk,
            field_name="weight",
            text="Weight differs from the source.",
            raised_by=mon_s01,
        ),
        acting_user=mon_s01,
        reason="Query raised",
    )
    query.answer, query.answered_by = "Corrected.", inv_s01
    record_save(query, acting_user=inv_s01, reason="Query answered")
    finding = record_save(
        CheckFinding(
            patient=patient,
            site=patient.site,
            form_type_id=_content_type(FolfoxCycle),
            form_id=cycle.pk,
            check_id="TEST01",
            message="Check fired",
        ),
        acting_user=inv_s01,
        reason="Edit check fired",
    )
    services.explain_finding(finding=finding, acting_user=inv_s01, explanation="Confirmed")
    record_randomization_correction(
        randomization=patient.randomization,
        kind="other",
        reason="Stratum typed wrongly",
        acting_user=datamanager,
    )
    alert = record_save(
        DataManagerAlert(kind=AlertKind.STRATUM_EXHAUSTED, site=s01, message="Out of entries"),
        acting_user=system_user(),
        reason="Randomization stopped",
    )
    resolve_alert(alert=alert, acting_user=datamanager, reason="List extended")
    other = make_patient(s01, acting_user=inv_s01)
    mark_patient_entered_in_error(patient=other, acting_user=inv_s01, reason="Duplicate")
    client.force_login(admin_user)
    client.post(
        reverse("admin:trial_membership_add"),
        {"user": UserFactory(username="late_monitor").pk, "site": s01.pk, "role": Role.MONITOR},
    )
    client.post(
        reverse("admin:trial_site_change", args=[s01.pk]),
        {"code": "S01", "name": "New name", "country": "China", "time_zone": s01.time_zone},
    )

    for model in _history_models():
        rows = model.objects.filter(history_id__gt=before[model])
        assert rows.exists(), f"{model.__name__}: the journey left no history"
        assert not rows.filter(history_user__isnull=True).exists(), model.__name__
        unexplained = rows.filter(history_change_reason__isnull=True) | rows.filter(
            history_change_reason=""
        )
        assert not unexplained.exists(), f"{model.__name__}: rows without a reason"


def _content_type(model):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model).pk


# No-op saves --------------------------------------------------------------------------------


def test_record_save_of_unchanged_values_adds_no_history(inv_s01, pat_s01, s01):
    patient = Patient.objects.get(pk=pat_s01.pk)
    before = patient.history.count()
    record_save(patient, acting_user=inv_s01, reason="Nothing changed")
    record_save(patient, acting_user=inv_s01, reason="Nothing", update_fields=["sex"])
    assert patient.history.count() == before

    site = Site.objects.get(pk=s01.pk)
    site_rows = site.history.count()
    site.name = str(site.name)  # same text, new object
    record_save(site, acting_user=inv_s01, reason="Same name")
    assert site.history.count() == site_rows

    patient.birth_year = 1971
    record_save(patient, acting_user=inv_s01, reason="Typo in the year of birth")
    assert patient.history.count() == before + 1
    assert patient.history.first().history_change_reason == "Typo in the year of birth"


def test_record_save_compares_normalised_values(inv_s01, pat_s01):
    vitals = services.crf_create(
        model=VitalSigns, patient=pat_s01, acting_user=inv_s01, data={"weight": 70}
    )
    vitals = VitalSigns.objects.get(pk=vitals.pk)
    rows = vitals.history.count()
    vitals.weight = "70.0"  # as a form might hand it over
    record_save(vitals, acting_user=inv_s01, reason="Same weight")
    assert vitals.history.count() == rows


def test_crf_save_without_change_adds_no_history(inv_s01, pat_s01):
    vitals = services.crf_create(
        model=VitalSigns, patient=pat_s01, acting_user=inv_s01, data={"weight": 70}
    )
    rows = vitals.history.count()
    services.crf_save(
        crf=vitals, data={"weight": 70}, acting_user=inv_s01, loaded_version=vitals.version
    )
    assert vitals.history.count() == rows


def test_record_save_does_not_leave_its_reason_for_a_later_save(inv_s01, pat_s01):
    patient = Patient.objects.get(pk=pat_s01.pk)
    patient.birth_year = 1972
    record_save(patient, acting_user=inv_s01, reason="Corrected")
    patient.birth_year = 1973
    patient.save()  # outside the services: still attributed, never with the old reason
    latest = patient.history.first()
    assert latest.history_change_reason is None
    assert latest.history_user.get_username() == SYSTEM_USERNAME


# Who: admin, commands -------------------------------------------------------------------------


def test_admin_edit_is_attributed_to_the_administrator(client, admin_user, s01):
    client.force_login(admin_user)
    url = reverse("admin:trial_site_change", args=[s01.pk])
    response = client.post(
        url,
        {
            "code": "S01",
            "name": "Renamed hospital",
            "country": "China",
            "time_zone": s01.time_zone,
            "active": "on",
        },
    )
    assert response.status_code == 302
    latest = Site.objects.get(pk=s01.pk).history.first()
    assert (latest.name, latest.history_user, latest.history_change_reason) == (
        "Renamed hospital",
        admin_user,
        "Changed in the admin: name",
    )


def test_admin_save_without_change_adds_no_history(client, admin_user, s01):
    client.force_login(admin_user)
    rows = s01.history.count()
    client.post(
        reverse("admin:trial_site_change", args=[s01.pk]),
        {
            "code": s01.code,
            "name": s01.name,
            "country": s01.country,
            "time_zone": s01.time_zone,
            "active": "on",
        },
    )
    assert s01.history.count() == rows


def test_management_command_changes_are_the_system_accounts(s01):
    call_command("generate_allocation_list", "--seed", "3", "--per-stratum", "4", "--sites", "S01")
    row = AllocationList.history.get()
    assert row.history_user == system_user()
    assert row.history_change_reason == "Generated"


def test_a_save_nobody_is_named_for_is_the_system_accounts(s01):
    site = Site.objects.get(pk=s01.pk)
    site.name = "Changed in a shell"
    site.save()
    assert site.history.first().history_user == system_user()


# Patients are withdrawn, never deleted ------------------------------------------------------


def test_patient_entered_in_error_keeps_the_record_and_the_reason(inv_s01, pat_s01):
    mark_patient_entered_in_error(patient=pat_s01, acting_user=inv_s01, reason="Registered twice")
    pat_s01.refresh_from_db()
    assert pat_s01.entered_in_error
    latest = pat_s01.history.first()
    assert (latest.history_user, latest.history_change_reason) == (inv_s01, "Registered twice")


@pytest.mark.parametrize("reason", ["", "   "])
def test_patient_entered_in_error_needs_a_reason(inv_s01, pat_s01, reason):
    with pytest.raises(ValidationError):
        mark_patient_entered_in_error(patient=pat_s01, acting_user=inv_s01, reason=reason)
    pat_s01.refresh_from_db()
    assert not pat_s01.entered_in_error


def test_monitor_cannot_mark_a_patient_entered_in_error(mon_s01, pat_s01):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        mark_patient_entered_in_error(patient=pat_s01, acting_user=mon_s01, reason="No")


def test_randomized_patient_cannot_be_marked_entered_in_error(inv_s01, pat_s01):
    randomized(pat_s01, inv_s01)
    with pytest.raises(ValidationError):
        mark_patient_entered_in_error(patient=pat_s01, acting_user=inv_s01, reason="Oops")


def test_admin_cannot_delete_patients_or_forms(client, admin_user, inv_s01, pat_s01):
    vitals = services.crf_create(
        model=VitalSigns, patient=pat_s01, acting_user=inv_s01, data={"weight": 70}
    )
    client.force_login(admin_user)
    for url in (
        reverse("admin:trial_patient_delete", args=[pat_s01.pk]),
        reverse("admin:ecrf_vitalsigns_delete", args=[vitals.pk]),
    ):
        assert client.post(url, {"post": "yes"}).status_code == 403
    assert Patient.objects.filter(pk=pat_s01.pk).exists()
    assert VitalSigns.objects.filter(pk=vitals.pk).exists()


# The access log ------------------------------------------------------------------------------


def test_e_signature_is_in_the_access_log(inv_s01, pat_s01):
    screened(pat_s01, inv_s01)
    consent = pat_s01.consent_set.get()
    services.crf_sign(crf=consent, acting_user=inv_s01, password=PASSWORD)
    log = AccessLog.objects.get(action=AccessAction.SIGNATURE)
    assert (log.user, log.site) == (inv_s01, pat_s01.site)
    assert pat_s01.subject_id in log.detail and "consent" in log.detail


def test_wrong_password_signs_nothing_and_logs_the_failed_attempt(inv_s01, pat_s01):
    screened(pat_s01, inv_s01)
    consent = pat_s01.consent_set.get()
    with pytest.raises(services.InvalidData):
        services.crf_sign(crf=consent, acting_user=inv_s01, password="wrong")
    consent.refresh_from_db()
    assert consent.signed_at is None
    assert not AccessLog.objects.filter(action=AccessAction.SIGNATURE).exists()
    failed = AccessLog.objects.get(action=AccessAction.SIGNATURE_FAILED)
    assert (failed.user, failed.site) == (inv_s01, pat_s01.site)
    assert f"{pat_s01.subject_id} consent #{consent.pk}" in failed.detail


def test_randomization_is_in_the_access_log(inv_s01, pat_s01):
    randomized(pat_s01, inv_s01)
    log = AccessLog.objects.get(action=AccessAction.RANDOMIZATION)
    assert (log.user, log.site) == (inv_s01, pat_s01.site)


def test_failed_login_is_in_the_access_log_with_the_address(client, inv_s01):
    client.post(
        reverse("login"), {"username": "inv_s01", "password": "nope"}, REMOTE_ADDR="10.1.2.3"
    )
    log = AccessLog.objects.get(action=AccessAction.LOGIN_FAILED)
    assert (log.username, log.ip_address, log.user) == ("inv_s01", "10.1.2.3", None)
    assert log.at is not None


def test_password_change_is_in_the_access_log(client, inv_s01):
    client.force_login(inv_s01)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-pass-2026",
            "new_password2": "another-long-pass-2026",
        },
    )
    assert response.status_code == 302
    log = AccessLog.objects.get(action=AccessAction.PASSWORD_CHANGE)
    assert (log.user, log.ip_address) == (inv_s01, "127.0.0.1")


def test_failed_password_change_is_not_logged_as_a_change(client, inv_s01):
    client.force_login(inv_s01)
    client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "x-long-2026!", "new_password2": "x"},
    )
    assert not AccessLog.objects.filter(action=AccessAction.PASSWORD_CHANGE).exists()


def test_admin_password_change_pages_are_logged(client, admin_user, inv_s01):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[inv_s01.pk]),
        {"password1": "reset-long-pass-2026", "password2": "reset-long-pass-2026"},
    )
    assert response.status_code == 302
    log = AccessLog.objects.get(action=AccessAction.PASSWORD_CHANGE)
    assert log.user == admin_user and "inv_s01" in log.detail
    assert reverse("admin:password_change") == "/admin/password_change/"
    response = client.post(
        "/admin/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "admin-long-pass-2026",
            "new_password2": "admin-long-pass-2026",
        },
    )
    assert response.status_code == 302
    assert AccessLog.objects.filter(action=AccessAction.PASSWORD_CHANGE).count() == 2
