"""Every history table of trial and ecrf refuses UPDATE and DELETE on PostgreSQL.

A later migration that adds a historical model must run protect_history_tables again;
tests/ecrf/test_audit_immutable.py fails until it does.
"""

from django.db import migrations

from trial.history import protect_history_tables, unprotect_history_tables


class Migration(migrations.Migration):

    dependencies = [
        ("ecrf", "0001_initial"),
        ("trial", "0002_randomization"),
    ]

    operations = [
        migrations.RunPython(protect_history_tables, unprotect_history_tables),
    ]
