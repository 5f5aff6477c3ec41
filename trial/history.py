"""Saving audited records: the one place where history's who and why are set."""

from django.contrib.auth import get_user_model
from django.db import models

SYSTEM_USERNAME = "system"


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
    """Save an audited model with who and why attached to its history row."""
    instance._history_user = acting_user
    instance._change_reason = reason
    instance.save(**save_kwargs)
    return instance
