"""A patient's randomization, final once made, and the corrections recorded against it."""

from django.conf import settings
from django.db import IntegrityError, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .allocation import AllocationEntry, TreatmentArm
from .patients import Patient
from .sites import Site


class Randomization(models.Model):
    """A patient's allocation. Final: never changed or deleted (database trigger)."""

    patient = models.OneToOneField(
        Patient,
        on_delete=models.PROTECT,
        related_name="randomization",
        verbose_name=_("patient"),
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="randomizations", verbose_name=_("site")
    )
    entry = models.OneToOneField(
        AllocationEntry,
        on_delete=models.PROTECT,
        related_name="randomization",
        verbose_name=_("allocation list entry"),
    )
    arm = models.CharField(_("arm"), max_length=16, choices=TreatmentArm.choices)
    stratum = models.CharField(_("stratum"), max_length=40)
    list_position = models.PositiveIntegerField(_("position in the stratum list"))
    randomized_at = models.DateTimeField(_("randomized at"), default=timezone.now)
    randomized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("randomized by"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["randomized_at"]
        verbose_name = _("randomization")
        verbose_name_plural = _("randomizations")
        constraints = [
            models.CheckConstraint(
                condition=Q(arm__in=TreatmentArm.values), name="randomization_arm_known"
            ),
            models.CheckConstraint(
                condition=Q(list_position__gte=1), name="randomization_position_from_1"
            ),
        ]

    def __str__(self):
        return f"{self.patient} - {self.get_arm_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise IntegrityError("A randomization is final; record a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise IntegrityError("A randomization is final; record a correction instead.")


class CorrectionKind(models.TextChoices):
    INELIGIBLE = "ineligible", _("Patient randomized although not eligible")
    WRONG_STRATUM = "wrong_stratum", _("Randomized in the wrong stratum")
    WRONG_PATIENT = "wrong_patient", _("Randomized the wrong patient")
    OTHER = "other", _("Other error")


class RandomizationCorrection(models.Model):
    """A data manager's record that a randomization was made in error; it stays as it was."""

    randomization = models.ForeignKey(
        Randomization,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("randomization"),
    )
    kind = models.CharField(_("error"), max_length=20, choices=CorrectionKind.choices)
    reason = models.TextField(_("reason"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["recorded_at"]
        verbose_name = _("randomization correction")
        verbose_name_plural = _("randomization corrections")
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="randomization_correction_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.randomization.patient}: {self.get_kind_display()}"
