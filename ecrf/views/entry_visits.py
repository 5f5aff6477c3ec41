"""Visits outside the schedule: a site adds one (a toxicity check, an early scan) and its forms
are then entered from the casebook like any other."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from trial import access
from trial.access import Action

from .. import services
from ..forms.visits import UnscheduledVisitForm


@login_required
@require_http_methods(["GET", "POST"])
def unscheduled_visit(request, subject_id):
    patient = access.get_patient_for(request.user, subject_id=subject_id, action=Action.ENTER)
    form = UnscheduledVisitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.add_unscheduled_visit(
                patient=patient,
                visit_date=form.cleaned_data["visit_date"],
                reason=form.cleaned_data["reason"],
                expected_forms=form.cleaned_data["expected_forms"],
                acting_user=request.user,
            )
        except services.InvalidData as invalid:
            for item, errors in invalid.errors.items():
                for error in errors:
                    form.add_error(item if item in form.fields else None, error)
        else:
            messages.success(
                request,
                _("%(visit)s on %(date)s added; enter its forms from the casebook.")
                % {"visit": visit.name, "date": visit.visit_date.isoformat()},
            )
            return redirect(
                reverse("ecrf:casebook", args=[patient.subject_id]) + f"#visit-{visit.pk}"
            )
    return render(request, "ecrf/visits/unscheduled.html", {"patient": patient, "form": form})
