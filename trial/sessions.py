"""How long a session lasts: SESSION_IDLE_TIMEOUT seconds without a request, and
SESSION_ABSOLUTE_TIMEOUT seconds after login whatever happens."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

# Session keys written by the timeout middleware.
SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"
# The last-seen time is written at most this often, so that a burst of requests saves once.
LAST_SEEN_RESOLUTION = 30


class SessionTimeoutMiddleware:
    """Ends a session after SESSION_IDLE_TIMEOUT seconds without a request and
    SESSION_ABSOLUTE_TIMEOUT seconds after login; the user is sent to the login page with the
    reason, and the logout is in the access log with it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            signed_in = session.get(SIGNED_IN_AT, now)
            last_seen = session.get(LAST_SEEN, now)
            reason = ""
            if now - signed_in > settings.SESSION_ABSOLUTE_TIMEOUT:
                reason = _("You were signed out: a session lasts at most %(hours)d hours.") % {
                    "hours": settings.SESSION_ABSOLUTE_TIMEOUT // 3600
                }
            elif now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                reason = _("You were signed out after %(minutes)d minutes without activity.") % {
                    "minutes": settings.SESSION_IDLE_TIMEOUT // 60
                }
            if reason:
                request.logout_reason = reason
                logout(request)
                messages.warning(request, reason)
                to_login = redirect_to_login(request.get_full_path())
                if request.headers.get("HX-Request") == "true":  # a page part: send the page
                    return HttpResponseClientRedirect(to_login.url)
                return to_login
            if now - last_seen >= LAST_SEEN_RESOLUTION or LAST_SEEN not in session:
                session[LAST_SEEN] = now
        return self.get_response(request)


@receiver(user_logged_in, dispatch_uid="trial.sessions.signed_in")
def _mark_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN] = now
