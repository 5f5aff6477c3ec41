from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcrfConfig(AppConfig):
    name = "ecrf"
    verbose_name = _("Case report forms")
