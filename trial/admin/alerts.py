"""The data managers' alerts, resolved here with a resolution."""

from django.contrib import admin

from .. import access, randomization
from ..access import Action
from ..models import DataManagerAlert
from .scoped import ScopedAdmin


@admin.register(DataManagerAlert)
class DataManagerAlertAdmin(ScopedAdmin):
    """Alerts for data managers of the alert's site; study-wide ones resolve them."""

    scope_action = Action.LOCK  # held by data managers (and administrators) only
    list_display = ("created_at", "kind", "site", "stratum", "patient", "resolved_at")
    list_filter = (
        "kind",
        ("site", admin.RelatedOnlyFieldListFilter),
        ("resolved_at", admin.EmptyFieldListFilter),
    )
    list_select_related = ("site", "patient")
    fields = (
        "kind",
        "site",
        "stratum",
        "patient",
        "message",
        "created_at",
        "resolved_at",
        "resolved_by",
        "resolution",
    )

    def get_readonly_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return [f for f in self.fields if f != "resolution"]
        return self.fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "resolution" in form.base_fields:
            form.base_fields["resolution"].required = True
        return form

    def has_change_permission(self, request, obj=None):
        return (
            obj is not None
            and obj.resolved_at is None
            and access.can(request.user, Action.ALLOCATION)
            and self.get_queryset(request).filter(pk=obj.pk).exists()
        )

    def save_model(self, request, obj, form, change):
        randomization.resolve_alert(
            alert=obj, acting_user=request.user, reason=form.cleaned_data["resolution"]
        )
