from django.utils import timezone

from . import access


class SiteTimezoneMiddleware:
    """Show times in the time zone of the user's (first) site; storage stays UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sites = [site for site, _ in access.roles_by_site(request.user) if site]
        if sites:
            timezone.activate(sites[0].zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()  # the thread serves the next request, or a test, in UTC
