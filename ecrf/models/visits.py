"""A patient's visits, generated from the protocol's schedule and anchor dates."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from trial.models import Patient, Site


class Visit(models.Model):
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="visits", verbose_name=_("patient")
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("site")
    )
    code = models.CharField(_("visit code"), max_length=8)
    name = models.CharField(_("visit"), max_length=64)
    phase = models.CharField(_("phase"), max_length=16)
    sequence = models.PositiveIntegerField(_("order"), default=0)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    window_start = models.DateField(_("window opens"), null=True, blank=True)
    window_end = models.DateField(_("window closes"), null=True, blank=True)
    visit_date = models.DateField(_("visit date"), null=True, blank=True)
    expected_forms = models.JSONField(_("expected forms"), default=list, blank=True)
    unscheduled = models.BooleanField(_("unscheduled"), default=False)
    applicable = models.BooleanField(
        _("expected"),
        default=True,
        help_text=_("Cleared when the protocol no longer expects the visit (arm, death, end)."),
    )
    not_done_reason = models.CharField(_("reason visit not done"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["patient__subject_id", "sequence", "target_date", "pk"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "code"],
                condition=Q(unscheduled=False),
                name="visit_scheduled_once_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True)
                | Q(window_end__isnull=True)
                | Q(window_start__lte=models.F("window_end")),
                name="visit_window_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.patient} {self.name}"
