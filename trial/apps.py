from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrialConfig(AppConfig):
    name = "trial"
    verbose_name = _("Trial")

    def ready(self):
        # accesslog connects the login signals; history names the system account on
        # history rows that nobody is named for.
        from . import accesslog, history  # noqa: F401
