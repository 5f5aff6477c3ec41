"""Immutability: the database refuses to change or delete history and access-log rows."""

import pytest
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from tests.admin_site import registered
from tests.ecrf.builders import screened
from tests.factories import UserFactory
from trial.accesslog import log_access
from trial.history import (
    ALLOW_TRUNCATE_SETTING,
    history_index_name,
    history_tables,
    history_trigger_name,
    history_truncate_trigger_name,
    record_save,
)
from trial.models import AccessAction, AccessLog, Patient, Site

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only"
)


def _triggers_on(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [table],
        )
        return {name for (name,) in cursor.fetchall()}


def test_the_trial_apps_have_history_tables():
    tables = history_tables(apps)
    assert "trial_historicalpatient" in tables
    assert "ecrf_historicalfolfoxcycle" in tables
    assert len(tables) >= 30


def test_every_history_table_in_the_registry_has_the_trigger(db):
    # A new historical model fails here until a migration runs protect_history_tables.
    missing = [
        table
        for table in history_tables(apps)
        if history_trigger_name(table) not in _triggers_on(table)
    ]
    assert not missing, f"history tables that accept UPDATE/DELETE: {missing}"


def test_every_history_table_is_indexed_by_record(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes")
        indexes = {name for (name,) in cursor.fetchall()}
    missing = [t for t in history_tables(apps) if history_index_name(t) not in indexes]
    assert not missing, f"history tables without the (id, history_id) index: {missing}"


def test_every_history_table_and_the_access_log_refuse_truncate(db):
    # A new historical model fails here until a migration runs protect_history_tables.
    tables = [*history_tables(apps), "trial_accesslog"]
    missing = [t for t in tables if history_truncate_trigger_name(t) not in _triggers_on(t)]
    assert not missing, f"tables that TRUNCATE empties: {missing}"


def test_access_log_table_has_its_trigger(db):
    assert "trial_accesslog_final" in _triggers_on("trial_accesslog")


def _refused(sql, params):
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return str(refused.value)


@pytest.mark.parametrize("statement", ["UPDATE", "DELETE"])
def test_history_rows_cannot_be_changed_or_deleted(inv_s01, pat_s01, statement):
    screened(pat_s01, inv_s01)
    for table in ("trial_historicalpatient", "ecrf_historicalconsent", "ecrf_historicalvisit"):
        sql = (
            f"UPDATE {table} SET history_change_reason = 'rewritten'"
            if statement == "UPDATE"
            else f"DELETE FROM {table}"
        )
        message = _refused(sql + " WHERE history_id > %s", [0])
        assert "audit trail" in message and "never changed or deleted" in message
        assert statement in message
    assert Patient.history.filter(history_change_reason="rewritten").count() == 0
    assert Patient.history.filter(id=pat_s01.pk).exists()


@pytest.mark.parametrize("table", ["trial_historicalpatient", "trial_accesslog"])
def test_the_owner_cannot_truncate_history_or_the_access_log(inv_s01, pat_s01, table):
    log_access(action=AccessAction.EXPORT, username="someone", detail="Export")
    # The test suite's own sessions may empty tables between tests; an ordinary one may not.
    refuse_again = f"SET LOCAL {ALLOW_TRUNCATE_SETTING} = off"
    message = _refused(f"SET CONSTRAINTS ALL IMMEDIATE; {refuse_again}; TRUNCATE {table}", None)
    assert f"audit trail: {table} is never emptied (TRUNCATE refused)" in message
    assert Patient.history.filter(id=pat_s01.pk).exists()
    assert AccessLog.objects.filter(detail="Export").exists()


def test_history_row_refuses_a_change_through_the_orm(inv_s01, pat_s01):
    row = pat_s01.history.first()
    row.history_change_reason = "rewritten"
    with pytest.raises(DatabaseError), transaction.atomic():
        row.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        pat_s01.history.all().delete()


@pytest.mark.parametrize(
    "sql", ["UPDATE trial_accesslog SET detail = 'rewritten'", "DELETE FROM trial_accesslog"]
)
def test_access_log_rows_cannot_be_changed_or_deleted(db, sql):
    log_access(action=AccessAction.EXPORT, username="someone", detail="Export")
    _refused(sql + " WHERE id > %s", [0])
    assert AccessLog.objects.get().detail == "Export"


def test_a_user_named_in_the_history_cannot_be_deleted(s01):
    editor = UserFactory(username="editor")
    site = Site.objects.get(pk=s01.pk)
    site.name = "Changed"
    record_save(site, acting_user=editor, reason="Rename")
    with pytest.raises(DatabaseError), transaction.atomic():
        editor.delete()  # would blank history_user on the history row


# The admin -------------------------------------------------------------------------------------


def test_reverting_history_is_disabled():
    assert settings.SIMPLE_HISTORY_REVERT_DISABLED is True


def test_history_models_have_no_admin_pages():
    history_admins = [m.__name__ for m in registered() if m.__name__.startswith("Historical")]
    assert not history_admins


def test_admin_cannot_revert_or_edit_through_a_history_version(client, admin_user, s01):
    site = Site.objects.get(pk=s01.pk)
    site.name = "New name"
    record_save(site, acting_user=admin_user, reason="Rename")
    old_version = site.history.last()
    client.force_login(admin_user)
    url = reverse("admin:trial_site_simple_history", args=[site.pk, old_version.history_id])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"code": "S01", "name": "Site one", "country": "China", "time_zone": "Asia/Shanghai"},
    )
    assert response.status_code == 403
    site.refresh_from_db()
    assert site.name == "New name"
    assert site.history.count() == 2


def test_history_version_page_of_a_patient_cannot_be_posted(client, datamanager, pat_s01):
    client.force_login(datamanager)
    version = pat_s01.history.first()
    url = reverse("admin:trial_patient_simple_history", args=[pat_s01.pk, version.history_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {}).status_code == 403
    assert pat_s01.history.count() == 1
