"""Backup and restore drill: the demo study, dumped by scripts/backup and restored into a new
database, comes back whole, every table's rows (history and access log included), the triggers
that guard them and the runtime role's privileges."""

import io
import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BACKUP = ROOT / "scripts" / "backup"

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_dump backs up PostgreSQL"
)


def _url(database: str) -> str:
    """The owner's URL of a database of the test cluster."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT']}/{database}"


def _backup(*args, database: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": _url(database)}
    env.pop("MIGRATE_DATABASE_URL", None)
    return subprocess.run(
        [str(BACKUP), *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def empty_database():
    """A database of the cluster, dropped if left over and created empty; dropped after."""
    name = f"{connection.settings_dict['NAME']}_restored"
    with psycopg.connect(_url("postgres"), autocommit=True) as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(_url("postgres"), autocommit=True) as server:
        server.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _dump(tmp_path) -> Path:
    done = _backup("dump", str(tmp_path), database=connection.settings_dict["NAME"])
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip())


def _contents(database: str) -> dict:
    """Every table's row count and the MD5 of its ordered rows, the sequences' positions, the
    triggers, owners and privileges."""
    with psycopg.connect(_url(database)) as db:
        tables = [
            t
            for (t,) in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        rows = {
            table: db.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(t::text, chr(10) "
                    "ORDER BY t::text), '')) FROM {} t"
                ).format(sql.Identifier(table))
            ).fetchone()
            for table in tables
        }
        catalogue = {
            "sequences": "SELECT sequencename, last_value FROM pg_sequences "
            "WHERE schemaname = 'public' ORDER BY 1",
            "triggers": "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
            "WHERE NOT tgisinternal ORDER BY 1, 2",
            "privileges": "SELECT relname, relowner::regrole::text, relacl::text FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'S') ORDER BY 1",
            "default privileges": "SELECT defaclrole::regrole::text, defaclobjtype, "
            "defaclacl::text FROM pg_default_acl ORDER BY 1, 2",
        }
        return {"rows": rows} | {k: db.execute(q).fetchall() for k, q in catalogue.items()}


def test_the_demo_study_is_backed_up_and_restored_whole(transactional_db, tmp_path, empty_database):
    call_command("seed_demo", stdout=io.StringIO())
    if os.environ.get("RUNTIME_DATABASE_URL"):
        runtime = psycopg.conninfo.conninfo_to_dict(os.environ["RUNTIME_DATABASE_URL"])["user"]
        call_command("grant_runtime_role", role=runtime, stdout=io.StringIO())
    before = _contents(connection.settings_dict["NAME"])
    assert before["rows"]["trial_historicalpatient"][0] >= 16
    assert before["rows"]["ecrf_historicalvisit"][0] > 0
    assert before["rows"]["trial_accesslog"][0] > 0

    dump = _dump(tmp_path)
    manifest = Path(f"{dump}.sha256")
    assert dump.name.endswith(".dump") and manifest.exists()
    assert oct(dump.stat().st_mode & 0o777) == "0o600"
    restored = _backup("restore", str(dump), database=empty_database)
    assert restored.returncode == 0, restored.stderr

    after = _contents(empty_database)
    assert after["rows"].keys() == before["rows"].keys()
    differing = [t for t in before["rows"] if after["rows"][t] != before["rows"][t]]
    assert not differing, f"tables whose rows differ after the restore: {differing}"
    for what in ("sequences", "triggers", "privileges", "default privileges"):
        assert after[what] == before[what], what


def test_restore_refuses_a_dump_that_does_not_match_its_manifest(db, tmp_path, empty_database):
    dump = _dump(tmp_path)
    with dump.open("r+b") as changed:
        changed.seek(200)
        byte = changed.read(1)
        changed.seek(200)
        changed.write(bytes([byte[0] ^ 1]))
    refused = _backup("restore", str(dump), database=empty_database)
    assert refused.returncode != 0
    assert "does not match its manifest" in refused.stderr
    assert _contents(empty_database)["rows"] == {}


def test_restore_refuses_a_dump_without_its_manifest(db, tmp_path, empty_database):
    dump = _dump(tmp_path)
    Path(f"{dump}.sha256").unlink()
    refused = _backup("restore", str(dump), database=empty_database)
    assert refused.returncode != 0
    assert "no manifest" in refused.stderr
    assert _contents(empty_database)["rows"] == {}


def test_restore_refuses_a_database_that_has_tables(db, tmp_path):
    dump = _dump(tmp_path)
    refused = _backup("restore", str(dump), database=connection.settings_dict["NAME"])
    assert refused.returncode != 0
    assert "already has" in refused.stderr and "restore into an empty database" in refused.stderr
