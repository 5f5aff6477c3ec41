"""Sites and their time zones: a patient's calendar dates are the hospital's."""

import datetime
import zoneinfo

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    """The time zone of that IANA name (a site's time_zone); UTC for a name it does not know."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


class Site(models.Model):
    code = models.CharField(
        _("site code"),
        max_length=8,
        unique=True,
        help_text=_("Two to eight capitals and digits, e.g. S01."),
    )
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z0-9]{2,8}$"), name="site_code_format"
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zone_named(self.time_zone)

    def local_date(self, moment: datetime.datetime | None = None) -> datetime.date:
        """The calendar date at the site at a moment (now by default): a patient's dates are
        the hospital's dates, whatever the server's time zone."""
        return timezone.localtime(moment or timezone.now(), self.zone).date()
