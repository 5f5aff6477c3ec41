"""The abstract case report form: its patient, visit, life-cycle state and history."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from trial.models import Patient, Site


class FormStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMPLETE = "complete", _("Complete")
    VERIFIED = "verified", _("Source verified")
    SIGNED = "signed", _("Signed")
    LOCKED = "locked", _("Locked")


DONE_STATUSES = (FormStatus.COMPLETE, FormStatus.VERIFIED, FormStatus.SIGNED, FormStatus.LOCKED)

# Units written in words, as a reader sees them. Symbols (mg, m², mL, %, g/L) are
# international and shown as stored; the data dictionary and exports keep UNITS in English.
UNIT_LABELS = {
    "days": _("days"),
    "mg/day": _("mg/day"),
}


class YesNoUnknown(models.TextChoices):
    YES = "Y", _("Yes")
    NO = "N", _("No")
    UNKNOWN = "U", _("Unknown")


def user_field(verbose_name):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=verbose_name,
    )


class CrfQuerySet(models.QuerySet):
    def live(self):
        """The forms not withdrawn as entered in error: those the study counts."""
        return self.filter(entered_in_error=False)


class Crf(models.Model):
    """One instance of a case report form. Concrete forms add their items.

    FORM_CODE names the form in the protocol's visit schedule; REPEATING forms (logs) may
    have many instances per patient; UNITS and CDASH feed the data dictionary and the
    form pages; SECTIONS lays the form out like the paper CRF.
    """

    FORM_CODE: ClassVar[str] = ""
    REPEATING: ClassVar[bool] = False
    UNITS: ClassVar[dict[str, str]] = {}
    CDASH: ClassVar[dict[str, str]] = {}
    SECTIONS: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = ()
    DERIVED: ClassVar[tuple[str, ...]] = ()

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="%(class)s_set", verbose_name=_("patient")
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("site")
    )
    visit = models.ForeignKey(
        "ecrf.Visit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)s_set",
        verbose_name=_("visit"),
    )
    status = models.CharField(
        _("form status"),
        max_length=10,
        choices=FormStatus.choices,
        default=FormStatus.DRAFT,
        editable=False,
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    entered_in_error = models.BooleanField(_("entered in error"), default=False, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = user_field(_("created by"))
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    updated_by = user_field(_("last saved by"))
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True, editable=False)
    verified_by = user_field(_("verified by"))
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True, editable=False)
    signed_by = user_field(_("signed by"))
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True, editable=False)
    locked_by = user_field(_("locked by"))
    history = HistoricalRecords(inherit=True)

    objects = CrfQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["patient__subject_id", "pk"]

    def __str__(self):
        return f"{self.patient} {self._meta.verbose_name} #{self.pk or 'new'}"

    @property
    def is_done(self) -> bool:
        return self.status in DONE_STATUSES

    @classmethod
    def item_fields(cls) -> list[models.Field]:
        """The form's own items, in declaration order (not the bookkeeping fields)."""
        base = {f.name for f in Crf._meta.get_fields()} | {"id"}
        return [f for f in cls._meta.concrete_fields if f.name not in base and not f.auto_created]

    @classmethod
    def unit_of(cls, name: str) -> str:
        return cls.UNITS.get(name, "")

    @classmethod
    def unit_label(cls, name: str) -> str:
        """The unit of an item as shown on a page, in the reader's language."""
        unit = cls.unit_of(name)
        return str(UNIT_LABELS.get(unit, unit))
