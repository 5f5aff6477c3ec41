"""The patients of the user's sites: search, filters, sorting, pages and counts per status.

Arm, open queries and overdue visits are annotations, so a page costs the same number of
queries whatever the number of patients.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trial import access
from trial.protocol import Arm

from .. import selectors
from ..forms.list_filters import PatientFilter
from ..models.workflow import Query, QueryStatus

PAGE_SIZE = 25
ARM_SHORT = {
    Arm.MAINTENANCE.value: _("FOLFOX then capecitabine"),
    Arm.FOLFOX_ALONE.value: _("FOLFOX alone"),
}


def open_queries_per_patient():
    return Coalesce(
        Subquery(
            Query.objects.filter(patient=OuterRef("pk"), status=QueryStatus.OPEN)
            .order_by()
            .values("patient")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def annotated_patients(user, *, today):
    return (
        access.patients_for(user)
        .filter(entered_in_error=False)
        .annotate(
            arm=F("randomization__arm"),
            randomized_at=F("randomization__randomized_at"),
            open_queries=open_queries_per_patient(),
            overdue=selectors.has_overdue_visit(today=today),
        )
    )


@login_required
def patient_list(request):
    today = timezone.localdate()
    filters = PatientFilter(
        request.GET or None,
        queryset=annotated_patients(request.user, today=today),
        request=request,
    )
    status_counts = filters.status_counts()
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for patient in page:
        patient.arm_label = ARM_SHORT.get(patient.arm, "")
    context = {
        "filters": filters,
        "patients": page,
        "page": page,
        "sort": filters.sort_key,
        "status": filters.selected_status,
        "status_counts": status_counts,
        "total": sum(n for _value, _label, n in status_counts),
        "headers": filters.sort_headers(),
        "today": today,
    }
    return render(request, "ecrf/entry/patient_list.html", context)
