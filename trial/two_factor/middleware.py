from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from . import rules

# What a signed-in user may open before giving the second factor.
OPEN_VIEWS = frozenset(
    {
        "two_factor:verify",
        "two_factor:enrol",
        "login",
        "logout",
        "set_language",
        "session_keepalive",
        "healthz",
    }
)


class TwoFactorMiddleware:
    """A signed-in user who has a second factor, or must have one, reaches no page but the code
    page (or, without a device yet, the setting-up page), the language menu and logging out,
    until this session has given a code. Comes after django-otp's OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        step = rules.pending_step(request.user)
        request.two_factor_step = step  # for the page header
        match = request.resolver_match
        if step is None or (match is not None and match.view_name in OPEN_VIEWS):
            return None
        target = reverse(f"two_factor:{step}")
        if request.method == "GET" and not request.headers.get("HX-Request"):
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request") == "true":  # a page part: send the whole page
            return HttpResponseClientRedirect(target)
        return redirect(target)
