"""The access log, for study-wide auditors (data managers, administrators); read-only."""

from django.contrib import admin

from .. import access
from ..access import Action
from ..models import AccessLog
from .exports import ListExport
from .read_only import ReadOnlyAdmin


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin, ListExport, admin.ModelAdmin):
    """The access log, for study-wide auditors (data managers, administrators); read-only."""

    list_display = ("at", "action", "username", "ip_address", "site", "detail")
    list_filter = ("action", ("site", admin.RelatedOnlyFieldListFilter))
    search_fields = ("username", "detail")
    date_hierarchy = "at"

    def allowed(self, request):
        return access.can(request.user, Action.AUDIT, None)

    def get_queryset(self, request):
        return access.scope(super().get_queryset(request), request.user, action=Action.AUDIT)
