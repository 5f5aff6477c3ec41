from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from .accesslog import log_access
from .models import AccessAction


@never_cache
def healthz(request):
    """Liveness with a database round trip; no login, no session."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure is reported, not raised
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
def home(request):
    """The patient list is where everybody starts."""
    return redirect("ecrf:patient_list")


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

