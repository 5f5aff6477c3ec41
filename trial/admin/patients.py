"""The patients, listed within the user's sites."""

from django.contrib import admin

from ..models import Patient
from .scoped import ScopedAdmin


@admin.register(Patient)
class PatientAdmin(ScopedAdmin):
    list_display = ("subject_id", "site", "status", "sex", "birth_year", "consent_date")
    list_filter = (("site", admin.RelatedOnlyFieldListFilter), "status", "sex")
    list_select_related = ("site",)
    search_fields = ("subject_id", "screening_number")
    date_hierarchy = "consent_date"
    readonly_fields = ("subject_id", "status", "created_at", "created_by")
