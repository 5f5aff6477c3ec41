"""The concealed list: generated or imported, shown to study-wide data managers only, logged."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.factories import make_patient
from tests.trial.test_randomization_rules import eligible_facts
from trial.history import system_user
from trial.models import (
    AccessAction,
    AccessLog,
    AllocationEntry,
    AllocationList,
    AllocationSource,
    DataManagerAlert,
    Randomization,
    RandomizationCorrection,
)
from trial.randomization import (
    AllocationListInvalid,
    Strata,
    StratumExhausted,
    export_allocation_list,
    generate_allocation_list,
    generate_list,
    import_allocation_list,
    randomize_patient,
    strata_of_sites,
)

SITE_PERSONAS = ["inv_s01", "coord_s01", "mon_s01", "dm_s01"]


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def s01_list(s01):
    return generate_allocation_list(
        seed=99, per_stratum=6, site_codes=["S01"], acting_user=system_user()
    )


@pytest.fixture
def randomized_s01(inv_s01, pat_s01, s01_list):
    return randomize_patient(
        patient=pat_s01,
        facts=eligible_facts(),
        strata=Strata(synchronous_metastases=True),
        acting_user=inv_s01,
    )


# Generating and importing ------------------------------------------------------------------


def test_stored_list_is_the_seeded_list(s01, s02, datamanager):
    stored = generate_allocation_list(
        seed=5, per_stratum=10, site_codes=["S01", "S02"], acting_user=datamanager
    )
    assert (stored.source, stored.seed, stored.per_stratum, stored.block_sizes) == (
        AllocationSource.GENERATED,
        5,
        10,
        "2,4",
    )
    assert stored.created_by == datamanager
    expected = generate_list(seed=5, strata=strata_of_sites(["S01", "S02"]), per_stratum=10)
    got = AllocationEntry.objects.order_by("stratum__key", "position").values_list(
        "stratum__key", "position", "arm", "block", "block_size"
    )
    assert list(got) == [(e.stratum, e.position, e.arm, e.block, e.block_size) for e in expected]


def test_generating_defaults_to_every_active_site(s01, s02):
    generate_allocation_list(seed=1, per_stratum=4, acting_user=system_user())
    assert set(AllocationEntry.objects.values_list("stratum__key", flat=True)) == set(
        strata_of_sites(["S01", "S02"])
    )


def test_a_loaded_stratum_is_never_replaced(s01, s01_list):
    with pytest.raises(AllocationListInvalid) as refused:
        generate_allocation_list(
            seed=100, per_stratum=6, site_codes=["S01"], acting_user=system_user()
        )
    assert "S01|synchronous already has a list" in str(refused.value)
    assert AllocationList.objects.count() == 1


def test_unknown_site_is_refused(s01):
    with pytest.raises(AllocationListInvalid) as refused:
        generate_allocation_list(
            seed=1, per_stratum=4, site_codes=["S09"], acting_user=system_user()
        )
    assert "S09 does not exist" in str(refused.value)


@pytest.mark.parametrize("persona", [*SITE_PERSONAS, "inv_s02"])
def test_site_users_cannot_generate_or_import(request, persona, s01):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        generate_allocation_list(seed=1, per_stratum=4, site_codes=["S01"], acting_user=user)
    with pytest.raises(PermissionDenied):
        import_allocation_list(content=b"stratum,position,arm\n", acting_user=user)
    assert not AllocationEntry.objects.exists()


def test_import_stores_the_file_and_its_checksum(s01, datamanager):
    content = b"stratum,position,arm\nS01|synchronous,1,FOLFOX\nS01|synchronous,2,FOLFOX_CAPE\n"
    stored = import_allocation_list(content=content, file_name="list.csv", acting_user=datamanager)
    assert stored.source == AllocationSource.IMPORTED
    assert len(stored.file_sha256) == 64 and stored.file_name == "list.csv"
    assert list(AllocationEntry.objects.values_list("position", "arm")) == [
        (1, "FOLFOX"),
        (2, "FOLFOX_CAPE"),
    ]


def test_import_with_an_error_stores_nothing(s01, datamanager):
    content = b"stratum,position,arm\nS01|synchronous,1,FOLFOX\nS03|synchronous,1,FOLFOX\n"
    with pytest.raises(AllocationListInvalid) as refused:
        import_allocation_list(content=content, acting_user=datamanager)
    assert "S03 does not exist" in str(refused.value)
    assert not AllocationList.objects.exists() and not AllocationEntry.objects.exists()


def test_import_refuses_non_utf8(s01, datamanager):
    with pytest.raises(AllocationListInvalid, match="UTF-8"):
        import_allocation_list(content="stratum\n\xe9".encode("latin-1"), acting_user=datamanager)


# Commands ----------------------------------------------------------------------------------


def test_generate_command_stores_the_list_as_the_system_account(s01, s02, capsys):
    call_command("generate_allocation_list", "--seed", "7", "--per-stratum", "8", "--sites", "S01")
    stored = AllocationList.objects.get()
    assert stored.created_by == system_user() and stored.seed == 7
    assert AllocationEntry.objects.count() == 16
    out = capsys.readouterr().out
    assert "2 strata" in out and "FOLFOX" not in out  # the list itself is not printed


def test_statistician_reproduces_the_stored_list_with_the_seed(s01, datamanager, tmp_path):
    call_command(
        "generate_allocation_list", "--seed", "2026", "--per-stratum", "12", "--user", "datamanager"
    )
    dry = io.StringIO()
    call_command(
        "generate_allocation_list",
        "--seed",
        "2026",
        "--per-stratum",
        "12",
        "--sites",
        "S01",
        "--dry-run",
        stdout=dry,
    )
    out = tmp_path / "list.csv"
    call_command("export_allocation_list", "--user", "datamanager", "--out", str(out))
    columns = ("stratum", "position", "arm", "block", "block_size")
    exported = [tuple(row[c] for c in columns) for row in rows(out.read_text())]
    assert exported == [tuple(row[c] for c in columns) for row in rows(dry.getvalue())]
    assert AllocationList.objects.count() == 1  # the dry run stored nothing


def test_generate_command_refuses_bad_parameters(s01):
    with pytest.raises(CommandError):
        call_command("generate_allocation_list", "--seed", "1", "--per-stratum", "5")


def test_import_command(s01, datamanager, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(
        "stratum,position,arm\nS01|metachronous,1,FOLFOX_CAPE\nS01|metachronous,2,FOLFOX\n"
    )
    call_command("import_allocation_list", str(path), "--user", "datamanager")
    assert AllocationEntry.objects.count() == 2


def test_import_command_shows_every_error_with_its_line(s01, datamanager, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("stratum,position,arm\nS01|metachronous,1,A\nS01|metachronous,1,FOLFOX\n")
    with pytest.raises(CommandError) as refused:
        call_command("import_allocation_list", str(path), "--user", "datamanager")
    assert "Line 2: arm 'A'" in str(refused.value)
    assert not AllocationEntry.objects.exists()


def test_import_command_refuses_a_site_data_manager(dm_s01, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("stratum,position,arm\nS01|metachronous,1,FOLFOX\n")
    with pytest.raises(CommandError):
        call_command("import_allocation_list", str(path), "--user", "dm_s01")


# Export --------------------------------------------------------------------------------------


def test_export_shows_every_entry_and_who_used_it_and_is_logged(datamanager, randomized_s01):
    text = export_allocation_list(acting_user=datamanager)
    exported = rows(text)
    assert len(exported) == 12
    first = exported[[r["stratum"] for r in exported].index("S01|synchronous")]
    assert first["subject_id"] == randomized_s01.patient.subject_id
    assert first["arm"] == randomized_s01.arm
    log = AccessLog.objects.get(action=AccessAction.EXPORT)
    assert (log.user, log.username) == (datamanager, "datamanager")
    assert "12 entries, 1 used" in log.detail


def test_export_command_writes_a_private_file_and_is_logged(datamanager, s01_list, tmp_path):
    out = tmp_path / "allocation.csv"
    call_command("export_allocation_list", "--user", "datamanager", "--out", str(out))
    assert len(rows(out.read_text())) == 12
    assert out.stat().st_mode & 0o077 == 0
    assert AccessLog.objects.filter(action=AccessAction.EXPORT, user=datamanager).count() == 1


@pytest.mark.parametrize("persona", [*SITE_PERSONAS, "admin_user"])
def test_only_study_wide_data_managers_export(request, persona, s01_list):
    user = request.getfixturevalue(persona)
    if persona == "admin_user":  # superusers hold the allocation right as well
        assert rows(export_allocation_list(acting_user=user))
        return
    with pytest.raises(PermissionDenied):
        export_allocation_list(acting_user=user)
    with pytest.raises(CommandError):
        call_command("export_allocation_list", "--user", user.username)
    assert not AccessLog.objects.filter(action=AccessAction.EXPORT).exists()


# The admin ---------------------------------------------------------------------------------

LIST_PAGES = [
    "admin:trial_allocationentry_changelist",
    "admin:trial_allocationstratum_changelist",
    "admin:trial_allocationlist_changelist",
]


@pytest.mark.parametrize("page", LIST_PAGES)
@pytest.mark.parametrize("persona", SITE_PERSONAS)
def test_nobody_at_a_site_sees_the_list_in_the_admin(client, request, persona, page, s01_list):
    user = request.getfixturevalue(persona)
    user.is_staff = True  # even with admin access
    user.save()
    client.force_login(user)
    response = client.get(reverse(page))
    assert response.status_code == 403
    assert b"FOLFOX" not in response.content


@pytest.mark.parametrize("persona", ["inv_s01", "mon_s01"])
def test_site_staff_without_admin_access_are_sent_to_login(client, request, persona, s01_list):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("admin:trial_allocationentry_changelist"))
    assert response.status_code == 302 and "login" in response.url


@pytest.mark.parametrize("persona", SITE_PERSONAS)
def test_nobody_at_a_site_opens_an_entry_or_the_list_history(client, request, persona, s01_list):
    user = request.getfixturevalue(persona)
    user.is_staff = True
    user.save()
    client.force_login(user)
    entry = AllocationEntry.objects.first()
    for url in (
        reverse("admin:trial_allocationentry_change", args=[entry.pk]),
        reverse("admin:trial_allocationlist_history", args=[s01_list.pk]),
        reverse("admin:trial_allocationlist_change", args=[s01_list.pk]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert b"FOLFOX" not in response.content


def test_admin_index_hides_the_list_from_a_site_data_manager(client, dm_s01, s01_list):
    client.force_login(dm_s01)
    page = client.get(reverse("admin:index")).content.decode()
    assert "allocationentry" not in page and "allocationlist" not in page


@pytest.mark.parametrize("persona", ["datamanager", "admin_user"])
def test_study_wide_data_manager_reads_the_list_in_the_admin(client, request, persona, s01_list):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("admin:trial_allocationentry_changelist"), {"used": "no"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 12
    assert client.get(reverse("admin:trial_allocationlist_changelist")).status_code == 200


def test_nobody_can_add_change_or_delete_list_entries_in_the_admin(client, datamanager, s01_list):
    client.force_login(datamanager)
    entry = AllocationEntry.objects.first()
    assert client.get(reverse("admin:trial_allocationentry_add")).status_code == 403
    delete = reverse("admin:trial_allocationentry_delete", args=[entry.pk])
    assert client.get(delete).status_code == 403
    client.post(reverse("admin:trial_allocationentry_change", args=[entry.pk]), {"arm": "FOLFOX"})
    assert AllocationEntry.objects.get(pk=entry.pk).arm == entry.arm


def test_randomizations_in_the_admin_are_scoped_and_read_only(
    client, dm_s01, inv_s02, s02, randomized_s01
):
    generate_allocation_list(seed=3, per_stratum=4, site_codes=["S02"], acting_user=system_user())
    randomize_patient(
        patient=make_patient(s02), facts=eligible_facts(), strata=Strata(False), acting_user=inv_s02
    )
    client.force_login(dm_s01)
    response = client.get(reverse("admin:trial_randomization_changelist"))
    assert [r.site.code for r in response.context["cl"].result_list] == ["S01"]
    url = reverse("admin:trial_randomization_change", args=[randomized_s01.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["has_change_permission"] is False
    client.post(url, {"arm": "FOLFOX", "list_position": 5})
    assert Randomization.objects.get(pk=randomized_s01.pk).list_position == 1
    delete = reverse("admin:trial_randomization_delete", args=[randomized_s01.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Randomization.objects.count() == 2


def test_data_manager_records_a_correction_in_the_admin(client, datamanager, randomized_s01):
    client.force_login(datamanager)
    response = client.post(
        reverse("admin:trial_randomizationcorrection_add"),
        {"randomization": randomized_s01.pk, "kind": "ineligible", "reason": "ECOG was 3."},
    )
    assert response.status_code == 302
    correction = RandomizationCorrection.objects.get()
    assert (correction.recorded_by, correction.reason) == (datamanager, "ECOG was 3.")
    assert Randomization.objects.get().arm == randomized_s01.arm


def test_site_data_manager_cannot_record_a_correction(client, dm_s01, randomized_s01):
    client.force_login(dm_s01)
    response = client.get(reverse("admin:trial_randomizationcorrection_add"))
    assert response.status_code == 403


@pytest.fixture
def alert_s01(inv_s01, s01):
    generate_allocation_list(seed=1, per_stratum=2, site_codes=["S01"], acting_user=system_user())

    def randomize():
        randomize_patient(
            patient=make_patient(s01),
            facts=eligible_facts(),
            strata=Strata(True),
            acting_user=inv_s01,
        )

    randomize()
    randomize()
    with pytest.raises(StratumExhausted):
        randomize()
    return DataManagerAlert.objects.get()


@pytest.mark.parametrize(
    "persona, sees",
    [
        ("datamanager", True),
        ("dm_s01", True),
        ("admin_user", True),
        ("inv_s01", False),
        ("mon_s01", False),
    ],
)
def test_alerts_are_shown_to_data_managers(client, request, persona, sees, alert_s01):
    user = request.getfixturevalue(persona)
    user.is_staff = True
    user.save()
    client.force_login(user)
    response = client.get(reverse("admin:trial_datamanageralert_changelist"))
    if sees:
        assert list(response.context["cl"].result_list) == [alert_s01]
    else:
        assert response.status_code == 403


def test_data_manager_resolves_an_alert_in_the_admin(client, datamanager, alert_s01):
    client.force_login(datamanager)
    url = reverse("admin:trial_datamanageralert_change", args=[alert_s01.pk])
    assert client.post(url, {"resolution": ""}).status_code == 200  # a resolution is required
    response = client.post(url, {"resolution": "Extended S01|synchronous by 40 entries."})
    assert response.status_code == 302
    alert_s01.refresh_from_db()
    assert alert_s01.resolved_by == datamanager and alert_s01.resolved_at is not None


def test_site_data_manager_cannot_resolve_an_alert(client, dm_s01, alert_s01):
    client.force_login(dm_s01)
    url = reverse("admin:trial_datamanageralert_change", args=[alert_s01.pk])
    client.post(url, {"resolution": "done"})
    alert_s01.refresh_from_db()
    assert alert_s01.resolved_at is None
