"""Every history table of trial and ecrf, and the access log, refuse TRUNCATE on PostgreSQL.

A row trigger does not fire on TRUNCATE, so until now the database's owner could empty them.
A later migration that adds a historical model runs protect_history_tables again, which
adds this trigger as well.
"""

from django.db import migrations

from trial.history import allow_truncate, history_tables, refuse_truncate

ACCESS_LOG = "trial_accesslog"


def refuse_truncate_of_the_trail(apps, schema_editor):
    refuse_truncate(schema_editor, [*history_tables(apps), ACCESS_LOG])


def allow_truncate_of_the_trail(apps, schema_editor):
    allow_truncate(schema_editor, [*history_tables(apps), ACCESS_LOG])
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS trial_refuse_truncate();")


class Migration(migrations.Migration):
    dependencies = [
        ("ecrf", "0004_query_close_note"),
        ("trial", "0004_allocation_list_extension"),
    ]

    operations = [
        migrations.RunPython(refuse_truncate_of_the_trail, allow_truncate_of_the_trail),
    ]
