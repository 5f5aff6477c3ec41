"""Who logged in, signed, randomized or took data out, and from where."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .sites import Site


class AccessAction(models.TextChoices):
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logout")
    PASSWORD_CHANGE = "password_change", _("Password change")
    SIGNATURE = "signature", _("Electronic signature")
    SIGNATURE_FAILED = "signature_failed", _("Failed electronic signature")
    RANDOMIZATION = "randomization", _("Randomization")
    EXPORT = "export", _("Export")
    EXPORT_FAILED = "export_failed", _("Failed export")
    DOWNLOAD = "download", _("Download")
    LOCKOUT = "lockout", _("Sign-in locked")
    UNLOCK = "unlock", _("Sign-in unlocked")
    TWO_FACTOR_ENROL = "2fa_enrol", _("Two-factor authentication set up")
    TWO_FACTOR_VERIFIED = "2fa_verified", _("Two-factor code accepted")
    TWO_FACTOR_FAILED = "2fa_failed", _("Wrong two-factor code")
    TWO_FACTOR_CODES = "2fa_codes", _("New recovery codes")
    TWO_FACTOR_REMOVE = "2fa_remove", _("Two-factor authentication removed")


class AccessLog(models.Model):
    """Who logged in, signed, randomized or took data out, from where; append-only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AccessAction.choices)
    detail = models.TextField(_("detail"), blank=True)
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )

    class Meta:
        ordering = ["-at"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["action", "at"], name="accesslog_action_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_action_display()}"
