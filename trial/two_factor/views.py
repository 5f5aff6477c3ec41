"""The two-factor pages: the code after the password, setting up an authenticator app, and each
user's own page (recovery codes, removal when it is not required)."""

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from . import devices, rules
from .forms import AuthenticatorCodeForm, CodeForm


@login_required
def verify(request):
    """The second step of signing in, for a user who has set up two-factor authentication."""
    user = request.user
    next_url = _next_url(request)
    if rules.is_verified(user):
        return redirect(next_url)
    if not rules.has_device(user):
        if rules.required_for(user):
            return redirect(_with_next("two_factor:enrol", next_url))
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = devices.check_code(user=user, code=form.cleaned_data["code"], request=request)
        if check.accepted:
            _signed_in_with(request, check.device)
            if isinstance(check.device, StaticDevice):
                _warn_codes_left(request)
            return redirect(next_url)
        form.add_error("code", _refusal(check, recovery_codes=True))
    return render(request, "two_factor/verify.html", {"form": form, "next": next_url})


@login_required
def enrol(request):
    """Setting up an authenticator app: scan the QR code (or type the secret), give the first
    code; the recovery codes are then shown once."""
    user = request.user
    next_url = _next_url(request)
    if rules.has_device(user):
        if rules.is_verified(user):
            return redirect("two_factor:overview")
        return redirect(_with_next("two_factor:verify", next_url))
    device = devices.authenticator_being_set_up(user)
    form = AuthenticatorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check, codes = devices.confirm_authenticator(
            device=device, code=form.cleaned_data["code"], request=request
        )
        if check.accepted:
            _signed_in_with(request, check.device)
            context = {"codes": codes, "next": next_url, "first_time": True}
            return render(request, "two_factor/recovery_codes.html", context)
        form.add_error("code", _refusal(check, recovery_codes=False))
    context = {
        "form": form,
        "next": next_url,
        "required": rules.required_for(user),
        "qr_code": devices.qr_code_data_uri(device),
        "secret": devices.secret_text(device),
    }
    return render(request, "two_factor/enrol.html", context)


@login_required
def overview(request):
    """The user's own page, from the header: on or off, recovery codes left, what they may do."""
    user = request.user
    context = {
        "has_device": rules.has_device(user),
        "required": rules.required_for(user),
        "codes_left": devices.recovery_codes_left(user),
        "demo_mode": settings.DEMO,
    }
    return render(request, "two_factor/overview.html", context)


@login_required
@require_POST
def recovery_codes(request):
    """New recovery codes, shown once; the earlier ones stop working."""
    if not rules.has_device(request.user):
        return redirect("two_factor:overview")
    codes = devices.new_recovery_codes(user=request.user, request=request)
    context = {"codes": codes, "next": reverse("two_factor:overview"), "first_time": False}
    return render(request, "two_factor/recovery_codes.html", context)


@login_required
@require_POST
def remove(request):
    """Two-factor authentication off, for a user who need not have it."""
    if rules.required_for(request.user):
        raise PermissionDenied
    if rules.has_device(request.user):
        devices.remove(user=request.user, acting_user=request.user, request=request)
        messages.success(request, _("Two-factor authentication is off for your account."))
    return redirect("two_factor:overview")


def _signed_in_with(request, device):
    """The session has given its second factor: it is marked (django-otp) and, being more
    trusted now, gets a new key and a new CSRF token, as a login does."""
    django_otp.login(request, device)
    request.session.cycle_key()
    rotate_token(request)


def _warn_codes_left(request):
    left = devices.recovery_codes_left(request.user)
    messages.warning(
        request,
        ngettext(
            "You signed in with a recovery code, which now no longer works. %(count)d code "
            "is left: if you have lost your phone, ask an administrator to reset two-factor "
            "authentication, or make new codes on the two-factor page.",
            "You signed in with a recovery code, which now no longer works. %(count)d codes "
            "are left: if you have lost your phone, ask an administrator to reset two-factor "
            "authentication, or make new codes on the two-factor page.",
            left,
        )
        % {"count": left},
    )


def _refusal(check: devices.CodeCheck, *, recovery_codes: bool) -> str:
    if check.throttled:
        seconds = check.wait_seconds
        return ngettext(
            "Too many wrong codes in a row: wait %(seconds)d second, then type the code "
            "shown at that time.",
            "Too many wrong codes in a row: wait %(seconds)d seconds, then type the code "
            "shown at that time.",
            seconds,
        ) % {"seconds": seconds}
    if recovery_codes:
        return _(
            "That code is not right. Type the six digits your authenticator app shows now, "
            "or one of your recovery codes."
        )
    return _(
        "That code is not right. Check that the phone's clock is right and type the six "
        "digits the app shows now."
    )


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if safe else resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(view_name: str, next_url: str) -> str:
    return f"{reverse(view_name)}?{urlencode({'next': next_url})}"
