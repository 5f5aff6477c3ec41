"""Administrators see who has set up two-factor authentication and reset it for someone who
lost their phone; nobody sees a secret or a recovery code here. In place of django-otp's own
admin classes, which show the secrets."""

import django_otp.plugins.otp_static.admin  # noqa: F401 (registers django-otp's, replaced below)
import django_otp.plugins.otp_totp.admin  # noqa: F401
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..two_factor import devices
from .read_only import AdministratorsReadOnly

for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(TOTPDevice)
class AuthenticatorAdmin(AdministratorsReadOnly, admin.ModelAdmin):
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields
    actions = ["reset"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    @admin.action(description=_("Reset two-factor authentication of the selected users"))
    def reset(self, request, queryset):
        users = {device.user for device in queryset}
        for user in sorted(users, key=lambda u: u.get_username()):
            devices.remove(user=user, acting_user=request.user, request=request)
        message = ngettext(
            "Two-factor authentication reset for %(count)d user: they set it up again at "
            "their next sign-in.",
            "Two-factor authentication reset for %(count)d users: they set it up again at "
            "their next sign-in.",
            len(users),
        ) % {"count": len(users)}
        self.message_user(request, message, messages.SUCCESS)
