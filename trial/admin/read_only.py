"""Admin pages that show records and never change them: who may see them is one method."""


class ReadOnlyAdmin:
    """Listed and viewed by the users allowed() lets in; nothing is added, changed or deleted
    from the admin (a mixin for a ModelAdmin)."""

    def allowed(self, request) -> bool:
        raise NotImplementedError

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and self.allowed(request)

    def has_view_permission(self, request, obj=None):
        return self.allowed(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AdministratorsReadOnly(ReadOnlyAdmin):
    """Read-only, for administrators (superusers) only."""

    def allowed(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser
