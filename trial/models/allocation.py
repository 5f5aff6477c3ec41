"""The concealed allocation list: the arms as stored codes, each load of the list, its
strata and its entries."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import protocol
from .sites import Site


class TreatmentArm(models.TextChoices):
    """The protocol's arms (trial.protocol.Arm) as stored codes."""

    MAINTENANCE = (
        protocol.Arm.MAINTENANCE.value,
        _("Adjuvant FOLFOX followed by capecitabine maintenance"),
    )
    FOLFOX_ALONE = protocol.Arm.FOLFOX_ALONE.value, _("Adjuvant FOLFOX alone")


class AllocationSource(models.TextChoices):
    GENERATED = "generated", _("Generated in the eCRF from a seed")
    IMPORTED = "imported", _("Imported from a CSV file")
    EXTENSION = "extension", _("Extension of a stratum, from a seed")


class AllocationList(models.Model):
    """One load of the concealed randomization list: who loaded it, when and how."""

    source = models.CharField(_("source"), max_length=10, choices=AllocationSource.choices)
    seed = models.BigIntegerField(_("seed"), null=True, blank=True)
    per_stratum = models.PositiveIntegerField(_("entries per stratum"), null=True, blank=True)
    block_sizes = models.CharField(_("block sizes"), max_length=50, blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    extends = models.ForeignKey(
        "AllocationStratum",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="extensions",
        verbose_name=_("extends the stratum"),
    )
    created_at = models.DateTimeField(_("loaded"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("loaded by"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("allocation list")
        verbose_name_plural = _("allocation lists")
        constraints = [
            models.CheckConstraint(
                condition=~Q(source="generated") | Q(seed__isnull=False),
                name="allocation_list_generated_has_seed",
            ),
            models.CheckConstraint(
                condition=~Q(source="extension")
                | (Q(seed__isnull=False) & Q(extends__isnull=False)),
                name="allocation_list_extension_has_seed_and_stratum",
            ),
        ]

    def __str__(self):
        return f"{self.get_source_display()} {self.created_at:%Y-%m-%d %H:%M}"


class AllocationStratum(models.Model):
    """A stratum of the list; its row is locked while a patient of the stratum is allocated."""

    key = models.CharField(_("stratum"), max_length=40, unique=True)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="allocation_strata", verbose_name=_("site")
    )
    synchronous_metastases = models.BooleanField(_("synchronous liver metastases"))
    allocation_list = models.ForeignKey(
        AllocationList,
        on_delete=models.PROTECT,
        related_name="strata",
        verbose_name=_("allocation list"),
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("stratum")
        verbose_name_plural = _("strata")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "synchronous_metastases"], name="allocation_stratum_unique"
            ),
        ]

    def __str__(self):
        return self.key


class AllocationEntry(models.Model):
    """One line of the concealed list. Written once, never changed (database trigger).

    An entry is used when a Randomization points to it. Entries carry no history of
    their own: they never change, and their load is recorded on the AllocationList.
    """

    stratum = models.ForeignKey(
        AllocationStratum,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("stratum"),
    )
    position = models.PositiveIntegerField(_("position in the stratum"))
    arm = models.CharField(_("arm"), max_length=16, choices=TreatmentArm.choices)
    block = models.PositiveIntegerField(_("block"), null=True, blank=True)
    block_size = models.PositiveSmallIntegerField(_("block size"), null=True, blank=True)

    class Meta:
        ordering = ["stratum__key", "position"]
        verbose_name = _("allocation list entry")
        verbose_name_plural = _("allocation list entries")
        constraints = [
            models.UniqueConstraint(
                fields=["stratum", "position"], name="allocation_entry_unique_position"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1), name="allocation_entry_position_from_1"
            ),
            models.CheckConstraint(
                condition=Q(arm__in=TreatmentArm.values), name="allocation_entry_arm_known"
            ),
        ]

    def __str__(self):
        # Never the arm: this text can surface in places that are not access-checked.
        return f"{self.stratum.key} #{self.position}"
