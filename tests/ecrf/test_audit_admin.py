"""The admin's history pages obey the same scoping as every other page, for every model."""

import pytest
from django.urls import reverse
from django.utils import timezone

from ecrf import services
from ecrf.models import CRF_MODELS, CheckFinding, FolfoxCycle, Query
from tests.admin_site import registered
from tests.ecrf.builders import randomized
from tests.ecrf.test_audit_capture import maintenance_first
from trial.admin import AuditedAdmin
from trial.history import record_save, system_user
from trial.models import AlertKind, DataManagerAlert, Membership, Site
from trial.randomization import record_randomization_correction


def _tracked_admins():
    return [
        (model, model_admin)
        for model, model_admin in registered().items()
        if hasattr(model._meta, "simple_history_manager_attribute")
    ]


def test_every_admin_of_a_tracked_model_is_audited():
    assert len(_tracked_admins()) >= 30
    plain = [m.__name__ for m, a in _tracked_admins() if not isinstance(a, AuditedAdmin)]
    assert not plain, f"admins without scoped, read-only history views: {plain}"


@pytest.fixture
def s02_records(s01, s02, inv_s02, datamanager, pat_s02):
    """At least one record of every tracked model at S02."""
    maintenance_first("S01", "S02")
    randomized(pat_s02, inv_s02)
    visit = services.add_unscheduled_visit(
        patient=pat_s02, visit_date=timezone.localdate(), acting_user=inv_s02, reason="Extra"
    )
    for model in CRF_MODELS:
        if not model.objects.filter(patient=pat_s02).exists():
            services.crf_create(
                model=model, patient=pat_s02, visit=visit, data={}, acting_user=inv_s02
            )
    cycle = FolfoxCycle.objects.filter(patient=pat_s02).first()
    for model, extra in ((Query, {"text": "?", "raised_by": datamanager}), (CheckFinding, {})):
        record_save(
            model(
                patient=pat_s02,
                site=s02,
                form_type_id=_content_type(FolfoxCycle),
                form_id=cycle.pk,
                **extra,
            ),
            acting_user=datamanager,
            reason="Test record",
        )
    from ecrf.models.workflow import Signature
    from ecrf.signatures import MEANING

    record_save(
        Signature(
            patient=pat_s02,
            site=s02,
            form_type_id=_content_type(FolfoxCycle),
            form_id=cycle.pk,
            signer=inv_s02,
            signed_at=timezone.now(),
            printed_name="Investigator Two",
            signed_at_local=timezone.now().isoformat(timespec="seconds"),
            meaning=MEANING,
            content_sha256="0" * 64,
            form_version=cycle.version,
        ),
        acting_user=inv_s02,
        reason="Test record",
    )
    pat_s02.refresh_from_db()
    record_randomization_correction(
        randomization=pat_s02.randomization, kind="other", reason="Test", acting_user=datamanager
    )
    record_save(
        DataManagerAlert(kind=AlertKind.STRATUM_EXHAUSTED, site=s02, message="Out"),
        acting_user=system_user(),
        reason="Test",
    )


def _content_type(model):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model).pk


def _s02_object(model, model_admin, s02):
    if model is Site:
        return s02
    site_field = getattr(model_admin, "site_field", "site")
    if site_field is None:
        return model.objects.first()  # study-level (the allocation list)
    return model.objects.filter(**{site_field: s02}).first()


def _history_urls(model, obj):
    info = (model._meta.app_label, model._meta.model_name)
    version = obj.history.first()
    return [
        reverse("admin:{}_{}_history".format(*info), args=[obj.pk]),
        reverse("admin:{}_{}_simple_history".format(*info), args=[obj.pk, version.history_id]),
    ]


@pytest.mark.parametrize("persona", ["dm_s01", "mon_s01"])
def test_s01_staff_cannot_read_s02_history_in_the_admin(client, request, s02, s02_records, persona):
    user = request.getfixturevalue(persona)
    user.is_staff = True
    user.save()
    client.force_login(user)
    opened = []
    for model, model_admin in _tracked_admins():
        obj = _s02_object(model, model_admin, s02)
        assert obj is not None, f"no S02 {model.__name__} in the fixture"
        for url in _history_urls(model, obj):
            status = client.get(url).status_code
            if status not in (403, 404):
                opened.append(f"{url}: {status}")
    assert not opened, "S02 history readable by an S01 user:\n" + "\n".join(opened)


def test_study_wide_data_manager_reads_s02_history_in_the_admin(
    client, datamanager, s02, s02_records
):
    client.force_login(datamanager)
    for model, model_admin in _tracked_admins():
        if model in (Site, Membership):
            continue  # administrators' pages
        obj = _s02_object(model, model_admin, s02)
        for url in _history_urls(model, obj):
            assert client.get(url).status_code == 200, url


def test_history_of_an_untracked_model_in_the_admin_does_not_fail(client, datamanager, s01):
    from trial.models import AllocationEntry
    from trial.randomization import generate_allocation_list

    generate_allocation_list(seed=1, per_stratum=4, acting_user=datamanager, site_codes=["S01"])
    entry = AllocationEntry.objects.first()
    client.force_login(datamanager)
    url = reverse("admin:trial_allocationentry_history", args=[entry.pk])
    assert client.get(url).status_code == 200


def test_bad_object_id_in_an_admin_history_url_is_not_found(client, datamanager):
    client.force_login(datamanager)
    assert client.get("/admin/trial/patient/not-a-number/history/").status_code == 404


def test_admin_history_shows_system_reasons_in_the_readers_language(client, admin_user, pat_s01):
    client.force_login(admin_user)
    url = reverse("admin:trial_patient_history", args=[pat_s01.pk])
    assert "Patient registered" in client.get(url).content.decode()
    client.cookies["django_language"] = "zh-hans"
    page = client.get(url).content.decode()
    assert "患者已登记" in page and "Patient registered" not in page
    # Only shown so: the stored reason stays as recorded.
    assert pat_s01.history.last().history_change_reason == "Patient registered"
