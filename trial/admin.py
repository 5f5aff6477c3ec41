"""Admin for sites, accounts and memberships; patients are listed scoped to the user."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import access
from .models import Membership, Patient, Site


class ScopedAdmin(SimpleHistoryAdmin):
    """Admin whose every list, page and history view is limited to the user's sites.

    Trial data is never deleted or changed through the admin; corrections go through
    the eCRF's services so they carry a reason.
    """

    site_field = "site"

    def get_queryset(self, request):
        return access.scope(
            super().get_queryset(request), request.user, site_field=self.site_field
        )

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return access.visible_sites(request.user).exists()
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def history_view(self, request, object_id, extra_context=None):
        # simple-history's history view fetches the object without get_queryset.
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Patient)
class PatientAdmin(ScopedAdmin):
    list_display = ("subject_id", "site", "status", "sex", "birth_year", "consent_date")
    list_filter = ("site", "status", "sex")
    search_fields = ("subject_id", "screening_number")
    date_hierarchy = "consent_date"
    readonly_fields = ("subject_id", "status", "created_at", "created_by")


class AdministratorOnly(SimpleHistoryAdmin):
    """Sites and memberships are managed by administrators only; nothing is deleted."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_add_permission = has_module_permission
    has_change_permission = has_view_permission

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Site)
class SiteAdmin(AdministratorOnly):
    list_display = ("code", "name", "country", "time_zone", "active")
    list_filter = ("active", "country")
    search_fields = ("code", "name")


@admin.register(Membership)
class MembershipAdmin(AdministratorOnly):
    list_display = ("user", "site", "role", "active")
    list_filter = ("role", "site", "active")
    search_fields = ("user__username",)
    autocomplete_fields = ("user",)


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class TrialUserAdmin(UserAdmin):
    """Accounts are deactivated, never deleted, so the audit trail keeps its names."""

    actions = ["deactivate"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_change_permission = has_view_permission
    has_add_permission = has_module_permission

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Deactivate selected accounts"))
    def deactivate(self, request, queryset):
        for user in queryset:
            user.is_active = False
            user.save(update_fields=["is_active"])


admin.site.site_header = _("NCT05797077 eCRF administration")
admin.site.site_title = _("NCT05797077 eCRF")
