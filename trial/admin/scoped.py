"""The admin of site-bound trial data: the user's sites only, read-only."""

from .. import access
from ..access import Action
from .audited import AuditedAdmin
from .exports import ListExport


class ScopedAdmin(ListExport, AuditedAdmin):
    """Admin whose every list, page and history view is limited to the user's sites.

    Trial data is never deleted or changed through the admin; corrections go through
    the eCRF's services so they carry a reason.
    """

    site_field = "site"
    scope_action = Action.VIEW

    def get_queryset(self, request):
        return access.scope(
            super().get_queryset(request),
            request.user,
            site_field=self.site_field,
            action=self.scope_action,
        )

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return access.sites_for(request.user, action=self.scope_action).exists()
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
