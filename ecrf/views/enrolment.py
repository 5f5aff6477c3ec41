"""Enrolment pages: register a patient, randomize after a confirmation, record a screen failure.

Randomization happens only on a POST that confirms it; a GET shows the checklist and, once
the patient is randomized, the arm and the visit schedule.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from trial import access, randomization
from trial.access import Action
from trial.models import PatientStatus
from trial.randomization import AllocationUnavailable, RandomizationRefused

from .. import enrolment, services
from ..forms.enrolment import (
    PatientRegistrationForm,
    PatientWithdrawalForm,
    RandomizationConfirmForm,
    ScreenFailureForm,
    screening_number_taken,
)


def _casebook_or_enrolment(patient) -> str:
    """The casebook once the data-entry pages exist; until then the patient's enrolment page."""
    try:
        return reverse("ecrf:casebook", kwargs={"subject_id": patient.subject_id})
    except NoReverseMatch:
        return reverse("ecrf:randomize", kwargs={"subject_id": patient.subject_id})


def _posted(request):
    """The submitted data, or None for a GET; an empty POST is still a submission."""
    return request.POST if request.method == "POST" else None


def stratum_label(key: str | None) -> str:
    """'S01|synchronous' as a clinician reads it."""
    if not key:
        return ""
    site_code, synchronous = randomization.parse_stratum_key(key)
    timing = (
        _("synchronous liver metastases") if synchronous else _("metachronous liver metastases")
    )
    return _("site %(site)s, %(timing)s") % {"site": site_code, "timing": timing}


@login_required
@require_http_methods(["GET", "POST"])
def register_patient(request):
    form = PatientRegistrationForm(_posted(request), user=request.user)
    if not form.fields["site"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        try:
            patient = enrolment.register_patient(acting_user=request.user, **form.cleaned_data)
        except IntegrityError:
            # Another registration took the same screening number since the form was checked.
            if not form.cleaned_data["screening_number"]:
                raise
            form.add_error(
                "screening_number",
                screening_number_taken(
                    form.cleaned_data["screening_number"], form.cleaned_data["site"]
                ),
            )
        else:
            messages.success(
                request,
                _("Patient %(subject)s registered at %(site)s.")
                % {"subject": patient.subject_id, "site": patient.site.code},
            )
            return redirect(_casebook_or_enrolment(patient))
    return render(request, "ecrf/enrolment/register.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def randomize(request, subject_id):
    action = Action.ENTER if request.method == "POST" else Action.VIEW
    patient = access.get_patient_for(request.user, subject_id=subject_id, action=action)
    form = RandomizationConfirmForm(_posted(request), stratum=enrolment.stratum_of(patient))
    if request.method == "POST" and form.is_valid():
        try:
            enrolment.randomize(patient=patient, acting_user=request.user, request=request)
        except RandomizationRefused as refused:
            return _randomize_page(request, patient, form=form, refusals=refused.refusals)
        except AllocationUnavailable as error:
            return _randomize_page(request, patient, form=form, unavailable=str(error))
        messages.success(
            request, _("Patient %(subject)s is randomized.") % {"subject": patient.subject_id}
        )
        return redirect("ecrf:randomize", subject_id=patient.subject_id)
    return _randomize_page(request, patient, form=form)


def _randomize_page(request, patient, *, form, refusals=(), unavailable=""):
    record = randomization.randomization_of(patient)
    may_enter = access.can(request.user, Action.ENTER, patient.site_id)
    context = {
        "patient": patient,
        "randomization": record,
        "may_enter": may_enter,
        "refusals": refusals,
        "unavailable": unavailable,
        "form": form,
    }
    if record:
        context["visits"] = enrolment.visit_schedule(patient)
        context["stratum_label"] = stratum_label(record.stratum)
    else:
        blockers = enrolment.blocking_criteria(patient)
        context.update(
            blockers=blockers,
            checklist=enrolment.screening_checklist(patient),
            screening_visit=enrolment.screening_visit(patient),
            stratum=form.current_stratum,
            stratum_label=stratum_label(form.current_stratum),
            can_confirm=may_enter and not blockers,
            may_record_screen_failure=may_enter and patient.status == PatientStatus.SCREENING,
        )
    return render(request, "ecrf/enrolment/randomize.html", context)


SCREEN_FAILURE_FIELDS = {"dsstdat": "failure_date", "dsterm": "reason"}


@login_required
@require_http_methods(["GET", "POST"])
def screen_failure(request, subject_id):
    patient = access.get_patient_for(request.user, subject_id=subject_id, action=Action.ENTER)
    in_screening = patient.status == PatientStatus.SCREENING
    form = ScreenFailureForm(_posted(request))
    if request.method == "POST" and in_screening and form.is_valid():
        try:
            enrolment.record_screen_failure(
                patient=patient,
                acting_user=request.user,
                failure_date=form.cleaned_data["failure_date"],
                reason=form.cleaned_data["reason"],
            )
        except services.InvalidData as invalid:
            for item, errors in invalid.errors.items():
                for error in errors:
                    form.add_error(SCREEN_FAILURE_FIELDS.get(item), error)
        except services.TransitionRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("Screen failure of %(subject)s recorded.") % {"subject": patient.subject_id},
            )
            return redirect(_casebook_or_enrolment(patient))
    context = {
        "patient": patient,
        "form": form,
        "in_screening": in_screening,
        "randomized": randomization.randomization_of(patient) is not None,
    }
    return render(request, "ecrf/enrolment/screen_failure.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw_patient(request, subject_id):
    """A patient registered by mistake (twice, or not a study patient) leaves every list; the
    record and its trail stay. A randomized patient is corrected, not withdrawn."""
    patient = access.get_patient_for(request.user, subject_id=subject_id, action=Action.ENTER)
    randomized = randomization.randomization_of(patient) is not None
    form = PatientWithdrawalForm(_posted(request))
    if request.method == "POST" and not patient.entered_in_error and form.is_valid():
        try:
            services.withdraw_patient(
                patient=patient, acting_user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as refused:  # its "reason" goes to the field, the rest above
            form.add_error(None, refused)
        else:
            messages.success(
                request,
                _("%(subject)s withdrawn as entered in error.") % {"subject": patient.subject_id},
            )
            return redirect("ecrf:patient_list")
    context = {"patient": patient, "form": form, "randomized": randomized}
    return render(request, "ecrf/enrolment/withdraw.html", context)
