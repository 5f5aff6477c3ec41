"""Every history table of trial and ecrf is indexed by (record id, history id).

A later migration that adds a historical model runs index_history_records again;
tests/ecrf/test_audit_immutable.py fails until it does.
"""

from django.db import migrations

from trial.history import index_history_records, unindex_history_records


class Migration(migrations.Migration):

    dependencies = [
        ("ecrf", "0002_history_immutable"),
    ]

    operations = [
        migrations.RunPython(index_history_records, unindex_history_records),
    ]
