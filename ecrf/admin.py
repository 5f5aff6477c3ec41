"""Admin for the forms and visits, scoped to the user's sites; data is read, not edited here.

Corrections go through the eCRF pages so that they carry a reason; the admin is where data
managers search, filter and export: any list as CSV, Excel or JSON (trial.admin.ListExport),
and the study dataset of the selected patients from the patient list.
"""

from django.contrib import admin
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from trial.admin import PatientAdmin as TrialPatientAdmin
from trial.admin import ScopedAdmin
from trial.admin.read_only import AdministratorsReadOnly
from trial.models import Patient

from .exports.dataset import start_export
from .exports.forms import DatasetFormatForm
from .models import CRF_MODELS, CheckFinding, Query, Visit
from .models.workflow import Signature, SigningLockout
from .views.exports import dataset_response

SITE_FILTER = ("site", admin.RelatedOnlyFieldListFilter)  # only the user's sites are offered
CRF_LIST = ("patient", "site", "visit", "status", "version", "updated_by", "updated_at")
LIST_ITEMS = 3  # the form's first items, so a list row says what the form holds


def crf_admin(model):
    items = tuple(f.name for f in model.item_fields()[:LIST_ITEMS])
    attrs = {
        "list_display": (*CRF_LIST[:4], *items, *CRF_LIST[4:]),
        "list_filter": (SITE_FILTER, "status", "visit__code", "entered_in_error"),
        "search_fields": ("patient__subject_id",),
        "date_hierarchy": "created_at",
        "list_select_related": ("patient", "site", "visit", "updated_by"),
    }
    return type(f"{model.__name__}Admin", (ScopedAdmin,), attrs)


for crf_model in CRF_MODELS:
    admin.site.register(crf_model, crf_admin(crf_model))


@admin.register(Visit)
class VisitAdmin(ScopedAdmin):
    list_display = (
        "patient",
        "code",
        "name",
        "target_date",
        "window_start",
        "window_end",
        "visit_date",
        "applicable",
    )
    list_filter = (SITE_FILTER, "phase", "code", "applicable", "unscheduled")
    search_fields = ("patient__subject_id", "code")
    date_hierarchy = "target_date"
    list_select_related = ("patient", "site")


@admin.register(Query)
class QueryAdmin(ScopedAdmin):
    list_display = ("patient", "form_type", "field_name", "status", "raised_by", "raised_at")
    list_filter = (SITE_FILTER, "status", ("form_type", admin.RelatedOnlyFieldListFilter))
    search_fields = ("patient__subject_id", "text")
    date_hierarchy = "raised_at"
    list_select_related = ("patient", "form_type", "raised_by")


@admin.register(CheckFinding)
class CheckFindingAdmin(ScopedAdmin):
    list_display = ("patient", "check_id", "field_name", "message", "status", "created_at")
    list_filter = (SITE_FILTER, "status", "check_id")
    search_fields = ("patient__subject_id", "check_id")
    date_hierarchy = "created_at"
    list_select_related = ("patient",)


@admin.register(Signature)
class SignatureAdmin(ScopedAdmin):
    list_display = ("patient", "form_type", "printed_name", "signed_at_local", "meaning")
    list_filter = (SITE_FILTER, ("form_type", admin.RelatedOnlyFieldListFilter))
    search_fields = ("patient__subject_id", "printed_name")
    date_hierarchy = "signed_at"
    list_select_related = ("patient", "form_type")


@admin.register(SigningLockout)
class SigningLockoutAdmin(AdministratorsReadOnly, admin.ModelAdmin):
    """Signing locked after three wrong passwords (each is in the access log): administrators
    see who and until when; the lock ends by itself."""

    list_display = ("user", "started_at", "until")
    search_fields = ("user__username",)


@admin.action(
    description=_("Export the study dataset of the selected patients"), permissions=["export"]
)
def export_dataset(modeladmin, request, queryset):
    """Ask for the format on an intermediate page, then stream the ZIP of these patients."""
    form = DatasetFormatForm(request.POST if "format" in request.POST else None)
    if form.is_valid():
        export = start_export(
            user=request.user,
            format=form.cleaned_data["format"],
            patients=queryset,
            request=request,
        )
        return dataset_response(request, export)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Export the study dataset"),
        "opts": modeladmin.model._meta,
        "form": form,
        "patients": queryset.count(),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "ecrf/exports/admin_action.html", context)


admin.site.unregister(Patient)


@admin.register(Patient)
class PatientAdmin(TrialPatientAdmin):
    """The trial's patient list with the dataset export among its actions."""

    actions = [export_dataset]
