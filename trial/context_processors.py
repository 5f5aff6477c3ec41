from django.conf import settings

from . import access


def memberships(request):
    """The user's sites and roles for the page header."""
    return {
        "user_roles": access.roles_by_site(request.user),
        "can_enter_data": access.can_anywhere(request.user, access.Action.ENTER),
        "can_export_data": access.can_anywhere(request.user, access.Action.EXPORT),
        "demo_mode": settings.DEMO,
        "demo_password": settings.DEMO_PASSWORD if settings.DEMO else "",
    }
