from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.contrib.admin import autodiscover
from django.contrib.admin.apps import SimpleAdminConfig
from django.contrib.admin.checks import check_admin_app, check_dependencies
from django.core import checks
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPAppConfig


class TrialConfig(AppConfig):
    name = "trial"
    verbose_name = _("Trial")

    def ready(self):
        # accesslog and sessions connect the login signals; history names the system account
        # on history rows that nobody is named for.
        from . import accesslog, history, sessions  # noqa: F401


class AdminConfig(SimpleAdminConfig):
    """Django's admin, with the project's admin modules loaded by the URLs (trial/urls.py)
    rather than at start-up: they bring django-import-export, which imports openpyxl and
    numpy, a third of a second that a management command such as export_dataset does not
    need. The admin's system checks load them before checking them. The site asks for the
    second factor (trial.two_factor.admin_site)."""

    default_site = "trial.two_factor.admin_site.AdminSite"

    def ready(self):
        checks.register(check_dependencies, checks.Tags.admin)
        checks.register(check_discovered_admin, checks.Tags.admin)


def check_discovered_admin(app_configs, **kwargs):
    autodiscover()
    return check_admin_app(app_configs, **kwargs)


class FailedLoginsConfig(AxesAppConfig):
    """django-axes, named in the admin for what administrators find there."""

    verbose_name = _("Failed logins")


class AuthenticatorsConfig(TOTPAppConfig):
    """django-otp's authenticator apps (TOTP), named in the admin for what administrators find
    there."""

    verbose_name = _("Two-factor authentication")
