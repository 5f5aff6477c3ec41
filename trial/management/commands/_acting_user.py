"""The account a command acts as: --user USERNAME, or the system account."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from trial.history import system_user


def acting_user(username: str | None):
    if not username:
        return system_user()
    try:
        return get_user_model().objects.get(username=username, is_active=True)
    except get_user_model().DoesNotExist as exc:
        raise CommandError(f"No active user {username!r}.") from exc
