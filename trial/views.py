import logging
from functools import wraps

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import lockout
from .accesslog import log_access
from .models import AccessAction

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """Liveness with a database round trip; no login, no session. An anonymous caller learns
    only ok or not ok: the reason goes to the log, never to the caller."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure is reported, not raised
        logger.exception("health check: the database did not answer")
        return JsonResponse({"status": "not ok"}, status=503)
    return JsonResponse({"status": "ok"})


@require_POST
@login_required
def session_keepalive(request):
    """A page's "Stay signed in": the request itself is the activity that keeps the session."""
    return JsonResponse({"idle_seconds": settings.SESSION_IDLE_TIMEOUT})


@login_required
def home(request):
    """The patient list is where everybody starts."""
    return redirect("ecrf:patient_list")


class LoginView(auth_views.LoginView):
    """Django's login, one attempt at a time for a user name and for an address, so that
    attempts sent together are counted before the next password is checked (trial.lockout)."""

    def post(self, request, *args, **kwargs):
        with lockout.one_attempt_at_a_time(request):
            return super().post(request, *args, **kwargs)


login = LoginView.as_view()


def admin_login(request):
    """The admin has no login form of its own: everybody signs in on the login page, where
    attempts are counted. A signed-in user sent here may not use the admin."""
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, recorded in the access log once it succeeded."""

    def form_valid(self, form):
        response = super().form_valid(form)
        log_access(action=AccessAction.PASSWORD_CHANGE, request=self.request)
        return response


password_change = PasswordChangeView.as_view()


def csrf_failure(request, reason=""):
    """A form sent without a valid security token (the page was open across a new login, or
    cookies are off): the project's page in the user's language, not Django's bare one."""
    return render(request, "403_csrf.html", status=403)


def only_with_email(view):
    """Password reset sends a link by email: without a mail server its pages do not exist."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.EMAIL_HOST:
            raise Http404("password reset needs EMAIL_HOST")
        return view(request, *args, **kwargs)

    return wrapper


password_reset_views = {
    "password_reset": only_with_email(auth_views.PasswordResetView.as_view()),
    "password_reset_done": only_with_email(auth_views.PasswordResetDoneView.as_view()),
    "password_reset_confirm": only_with_email(auth_views.PasswordResetConfirmView.as_view()),
    "password_reset_complete": only_with_email(auth_views.PasswordResetCompleteView.as_view()),
}
