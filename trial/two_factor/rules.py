"""Who must sign in with a second factor, and what a signed-in session still has to give."""

from django.conf import settings
from django_otp import user_has_device

from .. import access
from ..demo import DEMO_USERNAMES
from ..models import Role

ENROL = "enrol"  # must have a second factor and has none yet: set it up
VERIFY = "verify"  # has one: give a code


def required_for(user) -> bool:
    """Data managers and administrators (superusers, and staff, who may open the admin) must
    have a second factor. With the demo settings on, the demo accounts need not."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if settings.DEMO and user.get_username() in DEMO_USERNAMES:
        return False
    return user.is_superuser or user.is_staff or access.holds_role(user, Role.DATA_MANAGER)


def has_device(user) -> bool:
    """Whether the user has set up two-factor authentication (a confirmed device)."""
    return getattr(user, "is_authenticated", False) and user_has_device(user, confirmed=True)


def is_verified(user) -> bool:
    """Whether this session has given a code (django-otp's middleware marks the user)."""
    return getattr(user, "is_verified", lambda: False)()


def pending_step(user) -> str | None:
    """What the signed-in user must still do before any other page: VERIFY (give a code),
    ENROL (set up two-factor authentication), or None."""
    if not getattr(user, "is_authenticated", False) or is_verified(user):
        return None
    if has_device(user):
        return VERIFY
    if required_for(user):
        return ENROL
    return None
