"""Saving audited records: the one place where history's who and why are set.

Also the reasons the system records by itself, and the rules that keep the history whole:
a history row always names a user (the system account when no one else acts), a save that
changes nothing leaves no row, and on PostgreSQL the history tables refuse UPDATE, DELETE
and TRUNCATE (protect_history_tables, run by a migration for every historical model).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.dispatch import receiver
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.signals import pre_create_historical_record

SYSTEM_USERNAME = "system"
HISTORY_APPS = ("trial", "ecrf")
HISTORY_FIELDS = frozenset({"history_id", "history_date", "history_type", "history_user"})

# The reasons the software records by itself (trial and ecrf alike), by their stored text.
# They are stored in English so that the record does not change with the reader's language;
# the trail pages show them through this table. tests/trial/test_system_reasons.py fails
# for a reason recorded in the code and missing here.
SYSTEM_REASONS = {
    "Patient registered": _("Patient registered"),
    "Randomized": _("Randomized"),
    "Randomization stopped": _("Randomization stopped"),
    "Generated": _("Generated"),
    "Imported": _("Imported"),
    "Added in the admin": _("Added in the admin"),
    "Form created": _("Form created"),
    "Draft saved": _("Draft saved"),
    "Marked complete": _("Marked complete"),
    "Source data verified": _("Source data verified"),
    "Signed by investigator": _("Signed by investigator"),
    "Locked": _("Locked"),
    "Form entered in error": _("Form entered in error"),
    "Patient entered in error": _("Patient entered in error"),
    "Edit check fired": _("Edit check fired"),
    "Edit check no longer fires": _("Edit check no longer fires"),
    "Explained value changed": _("Explained value changed"),
    "Finding explained": _("Finding explained"),
    "Query raised": _("Query raised"),
    "Query answered": _("Query answered"),
    "Query closed": _("Query closed"),
    "Query re-opened": _("Query re-opened"),
    "Visit schedule updated": _("Visit schedule updated"),
    "Visit no longer expected": _("Visit no longer expected"),
    "Consent date from consent form": _("Consent date from consent form"),
    "Status from forms": _("Status from forms"),
    "Demo data": _("Demo data"),
    "Demo allocation list": _("Demo allocation list"),
}
# A change in the admin names the changed fields after this prefix.
ADMIN_CHANGED_PREFIX = "Changed in the admin: "


def shown_reason(stored: str) -> str:
    """A stored reason for a reader: a system reason in their language, a typed one as typed."""
    if stored in SYSTEM_REASONS:
        return str(SYSTEM_REASONS[stored])
    if stored.startswith(ADMIN_CHANGED_PREFIX):
        fields = stored.removeprefix(ADMIN_CHANGED_PREFIX)
        return gettext("Changed in the admin: %(fields)s") % {"fields": fields}
    return stored


def system_user():
    """The named account that management commands act as when no user is given."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_active": False, "first_name": "System", "last_name": "account"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def record_save(instance: models.Model, *, acting_user, reason: str = "", **save_kwargs):
    """Save an audited model with who and why attached to its history row.

    Saving an existing record whose values equal the stored ones does nothing, so the
    history holds changes only.
    """
    if not instance._state.adding and _unchanged(instance, save_kwargs.get("update_fields")):
        return instance
    instance._history_user = acting_user
    instance._change_reason = reason
    try:
        instance.save(**save_kwargs)
    finally:
        # A later plain save() of the same object must not reuse this who and why.
        del instance._history_user, instance._change_reason
    return instance


def _compared_fields(instance: models.Model, update_fields) -> list[models.Field]:
    fields = [
        f
        for f in instance._meta.concrete_fields
        if not f.primary_key and not getattr(f, "auto_now", False)
    ]
    if update_fields is not None:
        wanted = set(update_fields)
        fields = [f for f in fields if f.name in wanted or f.attname in wanted]
    return fields


def _unchanged(instance: models.Model, update_fields=None) -> bool:
    if instance.pk is None:
        return False
    fields = _compared_fields(instance, update_fields)
    stored = (
        type(instance)
        ._base_manager.filter(pk=instance.pk)
        .values(*[f.attname for f in fields])
        .first()
    )
    if stored is None:
        return False
    for f in fields:
        value = getattr(instance, f.attname)
        try:
            value = f.to_python(value)
        except ValidationError:
            return False
        if value != stored[f.attname]:
            return False
    return True


@receiver(pre_create_historical_record, dispatch_uid="trial.history.never_anonymous")
def _attribute_to_system(sender, history_instance, **kwargs):
    """A change nobody is named for (a command, the shell) is the system account's."""
    if history_instance.history_user_id is None:
        history_instance.history_user = system_user()


# The history tables in the database ----------------------------------------------------------


def history_tables(apps) -> list[str]:
    """The tables of every historical model of the trial apps in an app registry.

    Works on the live registry and on a migration's historical one alike.
    """
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label in HISTORY_APPS
        and HISTORY_FIELDS <= {f.name for f in model._meta.fields}
    )


def history_trigger_name(table: str) -> str:
    return f"{table}_immutable"


def history_truncate_trigger_name(table: str) -> str:
    return f"{table}_no_truncate"


# The owner may still empty a guarded table on purpose by setting this in its session (the
# test suite does between tests); the runtime role has no TRUNCATE privilege to begin with.
ALLOW_TRUNCATE_SETTING = "ecrf.allow_truncate"


def refuse_truncate(schema_editor, tables) -> None:
    """Each table refuses TRUNCATE, which fires no row trigger (idempotent; PostgreSQL only)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION trial_refuse_truncate() RETURNS trigger AS $$
        BEGIN
            IF current_setting('{ALLOW_TRUNCATE_SETTING}', true) = 'on' THEN
                RETURN NULL;
            END IF;
            RAISE EXCEPTION 'audit trail: % is never emptied (TRUNCATE refused)', TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation';
        END;
        $$ LANGUAGE plpgsql;
        """,
        None,
    )
    for table in tables:
        name = history_truncate_trigger_name(table)
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}";')
        schema_editor.execute(
            f'CREATE TRIGGER "{name}" BEFORE TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION trial_refuse_truncate();"
        )


def allow_truncate(schema_editor, tables) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in tables:
        name = history_truncate_trigger_name(table)
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}";')


def protect_history_tables(apps, schema_editor):
    """Migration step: every history table refuses UPDATE, DELETE and TRUNCATE (idempotent).

    A migration that adds a historical model runs this again. No-op except on PostgreSQL.
    """
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        """
        CREATE OR REPLACE FUNCTION trial_refuse_history_change() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'audit trail: rows of % are never changed or deleted (% refused)',
                TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'restrict_violation',
                      HINT = 'Record a new change through the application instead.';
        END;
        $$ LANGUAGE plpgsql;
        """,
        None,
    )
    for table in history_tables(apps):
        name = history_trigger_name(table)
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}";')
        schema_editor.execute(
            f'CREATE TRIGGER "{name}" BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION trial_refuse_history_change();"
        )
    refuse_truncate(schema_editor, history_tables(apps))


def unprotect_history_tables(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in history_tables(apps):
        name = history_trigger_name(table)
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}";')
    allow_truncate(schema_editor, history_tables(apps))
    schema_editor.execute("DROP FUNCTION IF EXISTS trial_refuse_history_change();")


def history_index_name(table: str) -> str:
    return f"{table}_record_idx"


def index_history_records(apps, schema_editor):
    """Migration step: index every history table by record and order (idempotent).

    The trail compares each history row with the one before it for the same record; with
    this index that lookup is one index probe instead of a scan of the record's history.
    """
    for table in history_tables(apps):
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{history_index_name(table)}" '
            f'ON "{table}" ("id", "history_id");'
        )


def unindex_history_records(apps, schema_editor):
    for table in history_tables(apps):
        schema_editor.execute(f'DROP INDEX IF EXISTS "{history_index_name(table)}";')
