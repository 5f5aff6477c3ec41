from django.conf import settings

from . import access


def memberships(request):
    """The user's sites and roles for the page header."""
    return {
        "user_roles": access.roles_by_site(request.user),
        "can_enter_data": access.sites_for(request.user, action=access.Action.ENTER).exists()
        if request.user.is_authenticated
        else False,
        "demo_mode": settings.DEMO,
        "demo_password": settings.DEMO_PASSWORD if settings.DEMO else "",
    }
