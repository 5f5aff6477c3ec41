"""The application's runtime role may read and add history and access-log rows, nothing more.

The owner (pytest-django's connection) creates and migrates the test database and runs
grant_runtime_role; the tests then connect to that database as the runtime role of
RUNTIME_DATABASE_URL (scripts/with-postgres creates it: an ordinary role that owns nothing).
"""

import io
import os

import dj_database_url
import psycopg
import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from tests.ecrf.builders import screened
from trial.accesslog import log_access
from trial.dbroles import append_only_tables, connected_as
from trial.history import ALLOW_TRUNCATE_SETTING, history_trigger_name
from trial.models import AccessAction, AccessLog, Patient

RUNTIME_DATABASE_URL = os.environ.get("RUNTIME_DATABASE_URL", "")

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles: PostgreSQL"),
    pytest.mark.skipif(
        not RUNTIME_DATABASE_URL,
        reason="needs RUNTIME_DATABASE_URL, a role owning nothing (scripts/with-postgres has one)",
    ),
]

HISTORY_TABLE = "trial_historicalpatient"
ACCESS_LOG = "trial_accesslog"


def _url(login: dict) -> str:
    """A URL of the test database with the credentials of login."""
    password = f":{login['PASSWORD']}" if login["PASSWORD"] else ""
    name = connection.settings_dict["NAME"]
    return f"postgres://{login['USER']}{password}@{login['HOST']}:{login['PORT']}/{name}"


RUNTIME = dj_database_url.parse(RUNTIME_DATABASE_URL) if RUNTIME_DATABASE_URL else {}


def _sql(sql, params=None):
    """Through Django's connection: the owner's, except inside connected_as()."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def _privileges(table: str) -> set[str]:
    kinds = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
    held = _sql(
        "SELECT k FROM unnest(%s::text[]) k WHERE has_table_privilege(%s, %s, k)",
        [list(kinds), RUNTIME["USER"], table],
    )
    return {k for (k,) in held}


@pytest.fixture
def runtime_role(transactional_db):
    """The runtime role, granted its privileges on the test database by its owner."""
    call_command("grant_runtime_role", role=RUNTIME["USER"], stdout=io.StringIO())
    return RUNTIME["USER"]


@pytest.fixture
def as_runtime(runtime_role):
    """A connection of its own to the test database as the runtime role (autocommit)."""
    with psycopg.connect(_url(RUNTIME), autocommit=True) as runtime:
        yield runtime


@pytest.fixture
def trail(inv_s01, pat_s01):
    """History rows (a screened patient) and an access-log row, committed by the owner."""
    screened(pat_s01, inv_s01)
    log_access(action=AccessAction.EXPORT, user=inv_s01, detail="Export")
    return {HISTORY_TABLE: pat_s01.history.count(), ACCESS_LOG: 1}


def _rows(table: str) -> list:
    return _sql(f"SELECT * FROM {table} ORDER BY 1")


# What the runtime role may do ------------------------------------------------------------------


def test_runtime_role_reads_and_adds_history_and_access_log_rows(as_runtime, trail):
    for table, count in trail.items():
        assert as_runtime.execute(f"SELECT count(*) FROM {table}").fetchone() == (count,)
        columns = ", ".join(
            f.column for f in _model_of(table)._meta.concrete_fields if not f.primary_key
        )
        as_runtime.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table} LIMIT 1")
        assert as_runtime.execute(f"SELECT count(*) FROM {table}").fetchone() == (count + 1,)


def _model_of(table: str):
    return next(m for m in apps.get_models() if m._meta.db_table == table)


def test_the_application_works_as_the_runtime_role(client, runtime_role, inv_s01, pat_s01):
    """A login, a page and a form saved, with every history and access-log row they write."""
    password = "a-long-password-2026"
    inv_s01.set_password(password)
    inv_s01.save()
    with connected_as(_url(RUNTIME)):
        assert _sql("SELECT current_user") == [(RUNTIME["USER"],)]
        response = client.post(reverse("login"), {"username": "inv_s01", "password": password})
        assert response.status_code == 302
        assert client.get(reverse("ecrf:patient_list")).status_code == 200
        screened(pat_s01, inv_s01)
        assert AccessLog.objects.filter(user=inv_s01, action=AccessAction.LOGIN).exists()
        assert Patient.history.filter(id=pat_s01.pk).count() >= 2
    assert _sql("SELECT current_user") != [(RUNTIME["USER"],)]


# What it may not do ----------------------------------------------------------------------------

REFUSED = {
    "UPDATE": "UPDATE {table} SET {column} = 'rewritten'",
    "DELETE": "DELETE FROM {table}",
    "TRUNCATE": f"SET {ALLOW_TRUNCATE_SETTING} = on; TRUNCATE {{table}}",
    "DISABLE TRIGGER": "ALTER TABLE {table} DISABLE TRIGGER ALL",
    "DROP TRIGGER": "DROP TRIGGER {trigger} ON {table}",
    "DROP TABLE": "DROP TABLE {table}",
}
TEXT_COLUMN = {HISTORY_TABLE: "history_change_reason", ACCESS_LOG: "detail"}
TRIGGER = {HISTORY_TABLE: history_trigger_name(HISTORY_TABLE), ACCESS_LOG: "trial_accesslog_final"}


@pytest.mark.parametrize("table", [HISTORY_TABLE, ACCESS_LOG])
@pytest.mark.parametrize("statement", list(REFUSED))
def test_runtime_role_cannot_change_or_empty_the_trail(as_runtime, trail, table, statement):
    before = _rows(table)
    sql = REFUSED[statement].format(table=table, column=TEXT_COLUMN[table], trigger=TRIGGER[table])
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_runtime.execute(sql)
    assert _rows(table) == before
    assert len(before) == trail[table]


def test_runtime_role_holds_select_and_insert_only_on_every_history_and_access_log_table(
    runtime_role,
):
    tables = append_only_tables()
    assert ACCESS_LOG in tables and len(tables) > 30
    wrong = {t: held for t in tables if (held := _privileges(t)) != {"SELECT", "INSERT"}}
    assert not wrong, f"privileges beyond SELECT, INSERT: {wrong}"


def test_runtime_role_reads_and_writes_the_other_tables_and_owns_nothing(runtime_role):
    tables = [
        t
        for (t,) in _sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        if t not in append_only_tables()
    ]
    data = {"SELECT", "INSERT", "UPDATE", "DELETE"}
    wrong = {
        t: held
        for t in tables
        if (held := _privileges(t)) != ({"SELECT"} if t == "django_migrations" else data)
    }
    assert not wrong, f"unexpected privileges: {wrong}"
    owned = _sql("SELECT count(*) FROM pg_class WHERE relowner = %s::regrole", [runtime_role])
    assert owned == [(0,)]
    assert _sql("SELECT has_schema_privilege(%s, 'public', 'CREATE')", [runtime_role]) == [(False,)]


def test_a_table_created_later_gets_select_and_insert_until_granted_again(runtime_role):
    _sql("CREATE TABLE trial_later (id bigint GENERATED BY DEFAULT AS IDENTITY, note text)")
    try:
        assert _privileges("trial_later") == {"SELECT", "INSERT"}
        call_command("grant_runtime_role", role=runtime_role, stdout=io.StringIO())
        assert _privileges("trial_later") == {"SELECT", "INSERT", "UPDATE", "DELETE"}
    finally:
        _sql("DROP TABLE trial_later")


def test_migrate_as_the_owner_grants_the_runtime_role_again(runtime_role):
    _sql(f"REVOKE ALL ON trial_site, {HISTORY_TABLE} FROM {runtime_role}")
    _sql(f"GRANT UPDATE, TRUNCATE ON {HISTORY_TABLE} TO {runtime_role}")
    owner_url = _url(connection.settings_dict)
    out = io.StringIO()
    with override_settings(MIGRATE_DATABASE_URL=owner_url), connected_as(_url(RUNTIME)):
        call_command("migrate", stdout=out)
        # The command leaves the connection as it found it: the runtime role's.
        assert _sql("SELECT current_user") == [(runtime_role,)]
    assert f"Runtime role {runtime_role} in schema public" in out.getvalue()
    assert _privileges("trial_site") == {"SELECT", "INSERT", "UPDATE", "DELETE"}
    assert _privileges(HISTORY_TABLE) == {"SELECT", "INSERT"}


# What the command refuses ----------------------------------------------------------------------


def test_grant_refuses_a_role_that_does_not_exist(transactional_db):
    with pytest.raises(CommandError, match="Role no_such_role does not exist"):
        call_command("grant_runtime_role", role="no_such_role")


def test_grant_refuses_the_owner_itself(transactional_db):
    owner = connection.settings_dict["USER"]
    with pytest.raises(CommandError, match="the runtime role must be another role"):
        call_command("grant_runtime_role", role=owner)


def test_grant_refuses_a_runtime_role_that_owns_tables_as_the_single_role_does_today(
    runtime_role,
):
    _sql("CREATE TABLE trial_owned_by_app (id bigint)")
    _sql(f"ALTER TABLE trial_owned_by_app OWNER TO {runtime_role}")
    try:
        with pytest.raises(CommandError, match=f"REASSIGN OWNED BY {runtime_role} TO"):
            call_command("grant_runtime_role", role=runtime_role)
    finally:
        _sql("DROP TABLE trial_owned_by_app")


def test_grant_without_a_role_says_how_to_name_it(transactional_db):
    with pytest.raises(CommandError, match="--role"):
        call_command("grant_runtime_role")
