"""The failed logins that django-axes counts, for administrators: which user names and addresses
are locked, and an action that unlocks them, recorded in the access log with the
administrator's name."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import lockout


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    """django-axes's list of attempts, read-only; unlocking is the one action."""

    list_display = (
        "username",
        "ip_address",
        "failures_since_start",
        "attempt_time",
        "counted_until",
        "user_agent",
    )
    list_filter = ("attempt_time",)
    actions = ["unlock"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("counted until"))
    def counted_until(self, attempt):
        return attempt.attempt_time + settings.AXES_COOLOFF_TIME

    @admin.action(description=_("Unlock the user names and addresses of the selected attempts"))
    def unlock(self, request, queryset):
        unlocked = lockout.unlock(attempts=queryset, acting_user=request.user, request=request)
        message = ngettext(
            "Unlocked %(count)d user name and address: %(what)s.",
            "Unlocked %(count)d user names and addresses: %(what)s.",
            len(unlocked),
        ) % {"count": len(unlocked), "what": "; ".join(unlocked)}
        self.message_user(request, message, messages.SUCCESS)
