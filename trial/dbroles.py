"""The two database roles on PostgreSQL: the owner migrates, the runtime role runs the app.

DATABASE_URL names the runtime role; MIGRATE_DATABASE_URL, when set, the owner of the tables,
as whom `manage.py migrate` and `manage.py grant_runtime_role` connect. The runtime role may
read and add rows of the history tables and the access log, never change, delete or empty
them, and it owns nothing, so it can neither alter those tables nor drop their triggers.
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass

import dj_database_url
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction

from trial.history import history_tables

APPEND_ONLY = "SELECT, INSERT"
READ_WRITE = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCES = "USAGE, SELECT"
# Django's record of applied migrations: the runtime role reads it (checks), never writes it.
MIGRATIONS_TABLE = "django_migrations"
ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


class RoleError(Exception):
    """The runtime role cannot be given its privileges safely; the message says what to do."""


def append_only_tables() -> list[str]:
    """The tables the runtime role may read and insert into, and nothing more."""
    access_log = apps.get_model("trial", "AccessLog")._meta.db_table
    return sorted([*history_tables(apps), access_log])


@contextmanager
def connected_as_owner(alias: str = "default"):
    """Within the block the connection logs in as MIGRATE_DATABASE_URL's owner.

    Yields the runtime role (DATABASE_URL's user), or None when no owner is configured, in
    which case nothing changes: one role does both, as with SQLite or in development.
    """
    if not settings.MIGRATE_DATABASE_URL:
        yield None
        return
    with connected_as(settings.MIGRATE_DATABASE_URL, alias) as runtime_role:
        yield runtime_role


@contextmanager
def connected_as(url: str, alias: str = "default"):
    """Within the block the connection logs in with the credentials of url, which must name
    the same PostgreSQL database; yields the user it logged in as before."""
    connection = connections[alias]
    login = dj_database_url.parse(url)
    if connection.vendor != "postgresql" or login["ENGINE"] != connection.settings_dict["ENGINE"]:
        raise ImproperlyConfigured("MIGRATE_DATABASE_URL and DATABASE_URL must be PostgreSQL.")
    if login["NAME"] != connection.settings_dict["NAME"]:
        raise ImproperlyConfigured(
            "MIGRATE_DATABASE_URL must name the database of DATABASE_URL "
            f"({connection.settings_dict['NAME']}), not {login['NAME']}."
        )
    previous_user = connection.settings_dict["USER"]
    saved = {key: connection.settings_dict.get(key) for key in (*CREDENTIALS, "OPTIONS")}
    connection.close()
    connection.settings_dict.update({key: login.get(key, "") for key in CREDENTIALS})
    connection.settings_dict["OPTIONS"] = login.get("OPTIONS", {})
    try:
        yield previous_user
    finally:
        connection.close()
        connection.settings_dict.update(saved)


@dataclass(frozen=True)
class Grants:
    role: str
    owner: str
    schema: str
    append_only: list[str]
    read_write: list[str]
    # PUBLIC may create tables in the schema (the default before PostgreSQL 15).
    may_create_tables: bool

    def summary(self) -> str:
        lines = [
            f"Runtime role {self.role} in schema {self.schema} (owner {self.owner}):",
            f"  {APPEND_ONLY} on {len(self.append_only)} history and access-log tables",
            f"  {READ_WRITE} on {len(self.read_write)} other tables",
            f"  SELECT on {MIGRATIONS_TABLE}; {SEQUENCES} on the sequences",
            f"  tables {self.owner} creates later: {APPEND_ONLY} until this runs again",
        ]
        if self.may_create_tables:
            lines.append(
                f"Warning: {self.role} may create tables in {self.schema} through PUBLIC; "
                f"as the schema's owner run: REVOKE CREATE ON SCHEMA {self.schema} FROM PUBLIC;"
            )
        return "\n".join(lines)


def grant_runtime_role(role: str, *, using: str = "default") -> Grants:
    """Give role exactly the runtime's privileges on the tables of the schema (idempotent).

    Run as the owner of the tables, after every migration (`manage.py migrate` does when
    MIGRATE_DATABASE_URL is set). Everything else the role held on them is revoked.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise RoleError("Database roles need PostgreSQL.")
    if not ROLE_NAME.match(role):
        raise RoleError(f"{role!r} is not a plain role name (letters, digits, underscores).")
    quote = connection.ops.quote_name
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_schema()")
        owner, schema = cursor.fetchone()
        cursor.execute(
            "SELECT rolsuper, pg_has_role(rolname, %s, 'MEMBER') FROM pg_roles WHERE rolname = %s",
            [owner, role],
        )
        found = cursor.fetchone()
        cursor.execute(
            "SELECT c.relname, pg_get_userbyid(c.relowner), c.relkind FROM pg_class c "
            "WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')",
            [schema],
        )
        relations = cursor.fetchall()
        _refuse_unsafe(role, owner, schema, found, relations)

        tables = sorted(name for name, _, kind in relations if kind != "S")
        append_only = [t for t in append_only_tables() if t in tables]
        read_write = [t for t in tables if t not in append_only and t != MIGRATIONS_TABLE]
        read_only = [t for t in tables if t == MIGRATIONS_TABLE]
        grantee, in_schema = quote(role), quote(schema)
        statements = [
            f"REVOKE ALL ON SCHEMA {in_schema} FROM {grantee}",
            f"GRANT USAGE ON SCHEMA {in_schema} TO {grantee}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {in_schema} FROM {grantee}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {in_schema} FROM {grantee}",
            f"GRANT {SEQUENCES} ON ALL SEQUENCES IN SCHEMA {in_schema} TO {grantee}",
            _grant(READ_WRITE, read_write, grantee, quote),
            _grant(APPEND_ONLY, append_only, grantee, quote),
            _grant("SELECT", read_only, grantee, quote),
            # Tables and sequences the owner creates later (the next migration).
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {in_schema} REVOKE ALL ON TABLES FROM {grantee}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {in_schema} "
            f"GRANT {APPEND_ONLY} ON TABLES TO {grantee}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {in_schema} "
            f"REVOKE ALL ON SEQUENCES FROM {grantee}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {in_schema} "
            f"GRANT {SEQUENCES} ON SEQUENCES TO {grantee}",
        ]
        for statement in filter(None, statements):
            cursor.execute(statement)
        cursor.execute("SELECT has_schema_privilege(%s, %s, 'CREATE')", [role, schema])
        (may_create_tables,) = cursor.fetchone()
    return Grants(role, owner, schema, append_only, read_write, may_create_tables)


def _grant(privileges: str, tables: list[str], grantee: str, quote) -> str:
    if not tables:
        return ""
    return f"GRANT {privileges} ON TABLE {', '.join(map(quote, tables))} TO {grantee}"


def _refuse_unsafe(role, owner, schema, found, relations) -> None:
    if found is None:
        raise RoleError(
            f"Role {role} does not exist. A superuser creates it once: "
            f"CREATE ROLE {role} LOGIN PASSWORD '...';"
        )
    is_superuser, is_member_of_owner = found
    if role == owner:
        raise RoleError(
            f"{role} is the owner this command connects as; the runtime role must be another "
            "role (set MIGRATE_DATABASE_URL to the owner and DATABASE_URL to the runtime role)."
        )
    if is_superuser:
        raise RoleError(f"{role} is a superuser, whom no privilege binds; use an ordinary role.")
    if is_member_of_owner:
        raise RoleError(
            f"{role} is a member of {owner} and so holds its rights: REVOKE {owner} FROM {role};"
        )
    others = sorted({who for _, who, _ in relations if who != owner})
    if others:
        names = [name for name, who, _ in relations if who != owner][:5]
        raise RoleError(
            f"Tables of schema {schema} belong to {', '.join(others)}, not to {owner} "
            f"(e.g. {', '.join(names)}). As a superuser, in this database: "
            + " ".join(f"REASSIGN OWNED BY {other} TO {owner};" for other in others)
        )
