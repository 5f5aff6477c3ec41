from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from . import access


def memberships(request):
    """The user's sites and roles for the page header."""
    # A request refused before authentication (a 400 page) has no user yet.
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "user_roles": access.roles_by_site(user),
        "can_enter_data": access.can_anywhere(user, access.Action.ENTER),
        "can_export_data": access.can_anywhere(user, access.Action.EXPORT),
        "demo_mode": settings.DEMO,
        "demo_password": settings.DEMO_PASSWORD if settings.DEMO else "",
        # Set by trial.two_factor.middleware: what the session must still give, if anything.
        "two_factor_step": getattr(request, "two_factor_step", None),
    }


def session_timeout(request):
    """How long the page may sit idle before the session ends, for its warning."""
    return {
        "session_idle_timeout": settings.SESSION_IDLE_TIMEOUT,
        "session_idle_warning": settings.SESSION_IDLE_WARNING,
        "session_warning_minutes": max(1, settings.SESSION_IDLE_WARNING // 60),
    }
