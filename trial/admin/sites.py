"""Sites, memberships and user accounts: managed by administrators, never deleted."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from ..accesslog import log_access
from ..models import AccessAction, Membership, Site
from .audited import AuditedAdmin


class AdministratorOnly(AuditedAdmin):
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

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, unquote(id))
            log_access(
                action=AccessAction.PASSWORD_CHANGE,
                request=request,
                detail=f"Password of {user.get_username()} set by an administrator.",
            )
        return response

    @admin.action(description=_("Deactivate selected accounts"))
    def deactivate(self, request, queryset):
        for user in queryset:
            user.is_active = False
            user.save(update_fields=["is_active"])
