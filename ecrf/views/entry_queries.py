"""Data queries and edit-check findings in the browser.

On the form page, monitors and data managers raise, close and re-open queries; the site's
investigators and coordinators answer them and explain the edit-check findings. Each
write is one POST that calls one service, then goes back to the form; a refused input
comes back on the form page with the message at its field and what was typed kept.

The queries list shows the queries of the user's sites, waiting ones first, at a fixed
number of database queries whatever the number of rows.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from trial import access
from trial.access import Action

from .. import selectors, services
from ..forms import crf_form_class, heading
from ..forms.list_filters import QueryFilter
from ..forms.queries import RaiseQueryForm, explain_form, query_action_form
from ..models import CheckFinding, Query
from .entry_forms import crf_model, crf_url, get_crf, may_edit, render_form_page

PAGE_SIZE = 25
PANEL = "#queries"


# The form page's writes -----------------------------------------------------------------


def scoped_form(request, subject_id, form_code, pk):
    """The patient, form model and form: 404 outside the user's sites."""
    model = crf_model(form_code)
    patient = access.get_patient_for(request.user, subject_id=subject_id)
    return patient, model, get_crf(request.user, patient, model, pk)


def form_page_again(request, patient, model, crf, **bound):
    """The form page as it was, with the refused small form bound to what was typed."""
    form = crf_form_class(model)(
        instance=crf, patient=patient, read_only=not may_edit(request.user, crf)
    )
    return render_form_page(request, patient=patient, model=model, form=form, crf=crf, **bound)


def back_to_form(crf, anchor=PANEL):
    return redirect(crf_url(crf) + anchor)


@login_required
@require_POST
def query_raise(request, subject_id, form_code, pk):
    patient, model, crf = scoped_form(request, subject_id, form_code, pk)
    access.require(request.user, Action.QUERY, patient.site_id)
    form = RaiseQueryForm(request.POST, crf_model=model)
    if form.is_valid():
        try:
            services.raise_query(
                crf=crf,
                field_name=form.cleaned_data["field_name"],
                text=form.cleaned_data["text"],
                acting_user=request.user,
            )
        except services.TransitionRefused as refused:
            messages.error(request, str(refused))
            return back_to_form(crf)
        except services.InvalidData as refused:
            form.add_service_errors(refused.errors)
        else:
            messages.success(request, _("Query raised; the site sees it on the form."))
            return back_to_form(crf)
    return form_page_again(request, patient, model, crf, raise_form=form)


# The step, the action it needs and what the page says once it is done.
QUERY_STEPS = {
    "answer": (
        Action.ANSWER,
        gettext_lazy("Answer saved; the query waits for the monitor to close it."),
    ),
    "close": (Action.QUERY, gettext_lazy("Query closed.")),
    "reopen": (Action.QUERY, gettext_lazy("Query re-opened with the new question.")),
}


def take_query_step(query, step, form, user):
    data = form.cleaned_data
    if step == "answer":
        return services.answer_query(query=query, answer=data["answer"], acting_user=user)
    if step == "close":
        return services.close_query(query=query, note=data["note"], acting_user=user)
    return services.reopen_query(query=query, text=data["text"], acting_user=user)


@login_required
@require_POST
def query_step(request, subject_id, form_code, pk, query_pk, step):
    """Answer, close or re-open one query of a form (the step comes from the URL)."""
    action, done = QUERY_STEPS[step]
    patient, model, crf = scoped_form(request, subject_id, form_code, pk)
    queries = Query.objects.for_form(crf)
    query = access.get_for(request.user, queries, action=action, pk=query_pk)
    form = query_action_form(step, request.POST, pk=query.pk)
    if form.is_valid():
        try:
            take_query_step(query, step, form, request.user)
        except services.TransitionRefused as refused:
            messages.error(request, str(refused))
            return back_to_form(crf)
        except services.InvalidData as refused:
            form.add_service_errors(refused.errors)
        else:
            messages.success(request, str(done))
            return back_to_form(crf)
    return form_page_again(request, patient, model, crf, query_forms={(query.pk, step): form})


@login_required
@require_POST
def finding_explain(request, subject_id, form_code, pk, finding_pk):
    patient, model, crf = scoped_form(request, subject_id, form_code, pk)
    findings = CheckFinding.objects.for_form(crf)
    finding = access.get_for(request.user, findings, action=Action.ENTER, pk=finding_pk)
    form = explain_form(request.POST, pk=finding.pk)
    if form.is_valid():
        try:
            services.explain_finding(
                finding=finding,
                explanation=form.cleaned_data["explanation"],
                acting_user=request.user,
            )
        except services.TransitionRefused as refused:
            messages.error(request, str(refused))
            return back_to_form(crf, "#findings")
        except services.InvalidData as refused:
            form.add_service_errors(refused.errors)
        else:
            messages.success(request, _("Explanation saved."))
            return back_to_form(crf, "#findings")
    return form_page_again(request, patient, model, crf, finding_forms={finding.pk: form})


# The queries list -----------------------------------------------------------------------


@dataclass
class QueryRow:
    query: Query
    form_title: str
    item_label: str
    url: str


def query_row(query: Query, models: dict[int, type]) -> QueryRow:
    model = models.get(query.form_type_id)
    if model is None:  # not a CRF (no such query is raised by the services)
        return QueryRow(query=query, form_title="", item_label=query.field_name, url="")
    item_label = ""
    if query.field_name:
        try:
            item_label = heading(model._meta.get_field(query.field_name).verbose_name)
        except LookupError:
            item_label = query.field_name
    url = reverse(
        "ecrf:form_edit",
        kwargs={
            "subject_id": query.patient.subject_id,
            "form_code": model.FORM_CODE,
            "pk": query.form_id,
        },
    )
    return QueryRow(
        query=query,
        form_title=heading(model._meta.verbose_name),
        item_label=item_label,
        url=url + PANEL,
    )


@login_required
def query_list(request):
    filters = QueryFilter(
        request.GET or None, queryset=selectors.queries_for(request.user), request=request
    )
    status_counts = filters.status_counts()
    page = Paginator(filters.qs.order_by("rank", "raised_at", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    models = selectors.form_models_by_type()
    context = {
        "filters": filters,
        "page": page,
        "rows": [query_row(query, models) for query in page],
        "status": filters.selected_status,
        "status_counts": status_counts,
        "total": sum(n for _value, _label, n in status_counts),
        "may_query": access.can_anywhere(request.user, Action.QUERY),
        "may_answer": access.can_anywhere(request.user, Action.ANSWER),
    }
    return render(request, "ecrf/queries/list.html", context)
