"""Admin for the forms and visits, scoped to the user's sites; data is read, not edited here.

Corrections go through the eCRF pages so that they carry a reason; the admin is where data
managers search, filter and export.
"""

from django.contrib import admin

from trial.admin import ScopedAdmin

from .models import CRF_MODELS, CheckFinding, Query, Visit

CRF_LIST = ("patient", "site", "visit", "status", "version", "updated_by", "updated_at")


def crf_admin(model):
    attrs = {
        "list_display": CRF_LIST,
        "list_filter": ("site", "status", "visit__code", "entered_in_error"),
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
    list_filter = ("site", "phase", "applicable", "unscheduled")
    search_fields = ("patient__subject_id", "code")
    list_select_related = ("patient", "site")


@admin.register(Query)
class QueryAdmin(ScopedAdmin):
    list_display = ("patient", "form_type", "field_name", "status", "raised_by", "raised_at")
    list_filter = ("site", "status")
    search_fields = ("patient__subject_id", "text")
    list_select_related = ("patient", "form_type", "raised_by")


@admin.register(CheckFinding)
class CheckFindingAdmin(ScopedAdmin):
    list_display = ("patient", "check_id", "field_name", "message", "status", "created_at")
    list_filter = ("site", "status", "check_id")
    search_fields = ("patient__subject_id", "check_id")
    list_select_related = ("patient",)
