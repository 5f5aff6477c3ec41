"""The access log, for study-wide auditors (data managers, administrators); read-only."""

from django.contrib import admin

from .. import access
from ..access import Action
from ..models import AccessLog
from .exports import ListExport


@admin.register(AccessLog)
class AccessLogAdmin(ListExport, admin.ModelAdmin):
    """The access log, for study-wide auditors (data managers, administrators); read-only."""

    list_display = ("at", "action", "username", "ip_address", "site", "detail")
    list_filter = ("action", ("site", admin.RelatedOnlyFieldListFilter))
    search_fields = ("username", "detail")
    date_hierarchy = "at"

    def _allowed(self, request):
        return access.can(request.user, Action.AUDIT, None)

    def get_queryset(self, request):
        return access.scope(super().get_queryset(request), request.user, action=Action.AUDIT)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
