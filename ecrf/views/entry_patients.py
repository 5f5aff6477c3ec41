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
from trial.models import PatientStatus
from trial.protocol import Arm

from .. import selectors
from ..forms.patients import SORTS, PatientFilterForm
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


def sort_headers(filters, current: str) -> list[dict]:
    """Column headings that sort by their column; a second click reverses the order."""
    base = filters.querystring(exclude=("page", "sort"))
    headers = []
    for key, sort in SORTS.items():
        active = current.lstrip("-") == key
        descending = current.startswith("-")
        target = f"-{key}" if active and not descending else key
        query = f"{base}&sort={target}" if base else f"sort={target}"
        headers.append(
            {
                "key": key,
                "label": sort.label,
                "url": f"?{query}",
                "active": active,
                "descending": active and descending,
            }
        )
    return headers


@login_required
def patient_list(request):
    today = timezone.localdate()
    filters = PatientFilterForm(request.GET or None, user=request.user)
    patients = annotated_patients(request.user, today=today)
    status = ""
    if filters.is_bound:
        filters.is_valid()  # a value that is not valid is shown as an error and not applied
        patients = filters.filter_except_status(patients)
        status = filters.cleaned_data.get("status", "")
    counts = dict(patients.order_by().values_list("status").annotate(n=Count("pk")))
    if status:
        patients = patients.filter(status=status)
    sort = filters.sort_key()
    patients = patients.order_by(*SORTS[sort.lstrip("-")].ordering(descending=sort.startswith("-")))
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    for patient in page:
        patient.arm_label = ARM_SHORT.get(patient.arm, "")
    context = {
        "filters": filters,
        "patients": page,
        "page": page,
        "sort": sort,
        "status": status,
        "status_counts": [
            (value, label, counts.get(value, 0)) for value, label in PatientStatus.choices
        ],
        "total": sum(counts.values()),
        "querystring": filters.querystring(exclude=("page",)),
        "headers": sort_headers(filters, sort),
        "today": today,
    }
    return render(request, "ecrf/entry/patient_list.html", context)
