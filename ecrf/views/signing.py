"""Signing: a whole casebook at once, and what happens when signing gets locked (the
session ends; the next login says when the user may sign again)."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trial import access

from .. import services, workflow
from ..forms import SignCasebookForm


def end_session_for_lockout(request, locked: services.SigningLocked):
    """The third wrong password ends the session; the login page and the next login say why."""
    logout(request)
    messages.error(request, str(locked))
    return redirect(reverse("login"))


@receiver(user_logged_in, dispatch_uid="ecrf_signing_locked_notice")
def _say_signing_locked(sender, request, user, **kwargs):
    until = services.signing_locked_until(user)
    if until is not None and request is not None and hasattr(request, "_messages"):
        messages.warning(request, services.signing_locked_message(until))


@login_required
@require_POST
def casebook_sign(request, subject_id):
    """Sign every form of the casebook that waits for a signature, with one password."""
    patient = access.get_patient_for(request.user, subject_id=subject_id)
    access.require(request.user, workflow.SIGN.action, patient.site_id)
    form = SignCasebookForm(request.POST)
    casebook_url = reverse("ecrf:casebook", args=[patient.subject_id])
    if not form.is_valid():
        messages.error(request, _("Enter your password to sign the casebook."))
        return redirect(casebook_url)
    try:
        signed = services.sign_casebook(
            patient=patient,
            acting_user=request.user,
            password=form.cleaned_data["password"],
            request=request,
        )
    except services.SigningLocked as locked:
        if locked.ended_session:
            return end_session_for_lockout(request, locked)
        messages.error(request, str(locked))
    except services.InvalidData as refused:
        messages.error(request, " ".join(m for ms in refused.errors.values() for m in ms))
    except (services.TransitionRefused, services.Conflict, services.FormLocked) as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("Casebook signed: %(n)d forms signed.") % {"n": len(signed)},
        )
    return redirect(casebook_url)
