from django.contrib import admin

from . import rules


class AdminSite(admin.AdminSite):
    """Django's admin, open only to a session that has given its second factor when the user
    has one or must have one (every administrator and data manager outside the demo). The
    middleware sends such a session to the code page first; this holds even without it."""

    def has_permission(self, request):
        return super().has_permission(request) and rules.pending_step(request.user) is None
