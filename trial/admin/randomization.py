"""Randomizations, final and read-only, and the corrections data managers record against them."""

from django.contrib import admin

from .. import access, randomization
from ..access import Action
from ..models import Randomization, RandomizationCorrection
from .scoped import ScopedAdmin


@admin.register(Randomization)
class RandomizationAdmin(ScopedAdmin):
    """Read-only everywhere: a randomization is final; errors are recorded as corrections."""

    list_display = (
        "patient",
        "site",
        "arm",
        "stratum",
        "list_position",
        "randomized_at",
        "randomized_by",
    )
    list_filter = (("site", admin.RelatedOnlyFieldListFilter), "arm")
    list_select_related = ("patient", "site", "randomized_by")
    search_fields = ("patient__subject_id",)
    fields = (
        "patient",
        "site",
        "arm",
        "stratum",
        "list_position",
        "randomized_at",
        "randomized_by",
    )
    readonly_fields = fields


@admin.register(RandomizationCorrection)
class RandomizationCorrectionAdmin(ScopedAdmin):
    """Study-wide data managers record randomization errors here, with a reason."""

    site_field = "randomization__site"
    list_display = ("randomization", "kind", "recorded_at", "recorded_by")
    list_filter = ("kind",)
    list_select_related = ("randomization__patient", "recorded_by")
    search_fields = ("randomization__patient__subject_id",)
    fields = ("randomization", "kind", "reason", "recorded_at", "recorded_by")

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else ("recorded_at", "recorded_by")

    def has_add_permission(self, request):
        return access.can(request.user, Action.ALLOCATION)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "randomization":
            kwargs["queryset"] = access.scope(
                Randomization.objects.select_related("patient"), request.user
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        saved = randomization.record_randomization_correction(
            randomization=obj.randomization,
            kind=obj.kind,
            reason=obj.reason,
            acting_user=request.user,
        )
        obj.pk, obj.recorded_at, obj.recorded_by = saved.pk, saved.recorded_at, saved.recorded_by
