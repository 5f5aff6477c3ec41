"""What a data manager must act on, such as a stratum whose allocation list ran out."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .patients import Patient
from .sites import Site


class AlertKind(models.TextChoices):
    STRATUM_EXHAUSTED = "stratum_exhausted", _("Allocation list of a stratum exhausted")
    STRATUM_NOT_LOADED = "stratum_not_loaded", _("No allocation list for a stratum")


class DataManagerAlert(models.Model):
    """Something a data manager must act on, e.g. a stratum whose list ran out."""

    kind = models.CharField(_("alert"), max_length=20, choices=AlertKind.choices)
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("site"),
    )
    stratum = models.CharField(_("stratum"), max_length=40, blank=True)
    patient = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("patient"),
    )
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("raised at"), default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution = models.TextField(_("resolution"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("data manager alert")
        verbose_name_plural = _("data manager alerts")
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolved_by__isnull=True)
                | Q(resolved_at__isnull=False, resolved_by__isnull=False),
                name="alert_resolved_with_who_and_when",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.stratum}"
