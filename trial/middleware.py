import logging
import re
import time
import uuid

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import BadRequest
from django.utils import timezone

from . import access, logs

request_log = logging.getLogger("trial.requests")
# An ID the proxy already gave the request is kept if it looks like one; anything else is replaced.
INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class RequestIdMiddleware:
    """Gives each request an ID (kept from the proxy's X-Request-ID when well formed), returns
    it in the response, and logs one JSON line per request with the route, status, time and user.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if INCOMING_ID.fullmatch(incoming) else uuid.uuid4().hex
        id_token = logs.request_id.set(request.id)
        user_token = logs.username.set("")
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            if getattr(user, "is_authenticated", False):
                logs.username.set(user.get_username())
            match = getattr(request, "resolver_match", None)
            request_log.info(
                "request",
                extra={
                    "method": request.method,
                    "route": match.route if match else "",
                    "view": match.view_name if match else "",
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            response["X-Request-ID"] = request.id
            return response
        finally:
            logs.request_id.reset(id_token)
            logs.username.reset(user_token)


class RefuseImpossibleInputMiddleware:
    """A NUL byte in the address or the query string can be no one's real input, and PostgreSQL
    refuses it in text: answer 400 (the project's page) before any view reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            raise BadRequest("NUL byte in the address")
        return self.get_response(request)


class PrivacyHeadersMiddleware:
    """Pages for a signed-in user carry patient data: no browser or proxy may keep a copy.
    Every response says which browser features the eCRF never uses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if getattr(user, "is_authenticated", False):
            response["Cache-Control"] = "no-store, private"
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


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


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """The policy of the settings on every page. In the admin, third-party pages (django-import-
    export's export form) use inline style and event attributes: the admin allows those
    attributes, never an inline script element."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(ADMIN_PREFIX):
            inline_attributes = {
                "script-src-attr": ["'unsafe-inline'"],
                "style-src-attr": ["'unsafe-inline'"],
            }
            parts.update = {**(parts.update or {}), **inline_attributes}
        return parts


ADMIN_PREFIX = "/admin/"
