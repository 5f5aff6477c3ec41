"""What happens around the forms: edit-check findings, data queries and e-signatures."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from trial.models import Patient, Site

from ..signatures import MEANINGS

MEANING_CHOICES = list(MEANINGS.items())


class FormReferenceQuerySet(models.QuerySet):
    def for_form(self, crf):
        """The rows attached to one form."""
        return self.filter(form_type=ContentType.objects.get_for_model(crf), form_id=crf.pk)


class FormReference(models.Model):
    """A pointer to one CRF instance (any form model) of a patient."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", editable=False)
    form_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    form_id = models.PositiveBigIntegerField()
    form = GenericForeignKey("form_type", "form_id")
    field_name = models.CharField(_("item"), max_length=64, blank=True)

    objects = FormReferenceQuerySet.as_manager()

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["form_type", "form_id"])]


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    EXPLAINED = "explained", _("Explained")
    RESOLVED = "resolved", _("Resolved")


class CheckFinding(FormReference):
    """A soft edit check that fired on save: saved anyway, needs a reason or a query."""

    check_id = models.CharField(_("check"), max_length=16)
    message = models.CharField(_("message"), max_length=400)
    status = models.CharField(
        _("status"), max_length=10, choices=FindingStatus, default=FindingStatus.OPEN
    )
    explanation = models.CharField(_("explanation"), max_length=400, blank=True)
    created_at = models.DateTimeField(_("found"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta(FormReference.Meta):
        verbose_name = _("edit check finding")
        verbose_name_plural = _("edit check findings")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["form_type", "form_id"], name="finding_form_idx")]

    def __str__(self):
        return f"{self.check_id}: {self.message}"


class QueryStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Query(FormReference):
    """A question from a monitor or data manager about one item of a form."""

    text = models.TextField(_("query"))
    status = models.CharField(
        _("status"), max_length=10, choices=QueryStatus, default=QueryStatus.OPEN
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("raised by"),
    )
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    close_note = models.CharField(_("closing note"), max_length=400, blank=True)
    history = HistoricalRecords()

    class Meta(FormReference.Meta):
        verbose_name = _("query")
        verbose_name_plural = _("queries")
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["form_type", "form_id"], name="query_form_idx")]

    def __str__(self):
        return f"{self.get_status_display()}: {self.text[:60]}"


class Signature(FormReference):
    """An investigator's electronic signature of one form (21 CFR Part 11.50, 11.70): who,
    when, what it means, and the SHA-256 of the content signed. A change to the form clears
    the form's signature; this record stays."""

    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed"))
    # The manifestation as printed at signing (Part 11.50): the name, and the time in the
    # site's zone with its offset.
    printed_name = models.CharField(_("printed name"), max_length=300)
    signed_at_local = models.CharField(_("signed (site time)"), max_length=32)
    meaning = models.CharField(_("meaning"), max_length=200, choices=MEANING_CHOICES)
    content_sha256 = models.CharField(_("SHA-256 of the signed content"), max_length=64)
    form_version = models.PositiveIntegerField(_("form version signed"))
    history = HistoricalRecords()

    class Meta(FormReference.Meta):
        verbose_name = _("electronic signature")
        verbose_name_plural = _("electronic signatures")
        ordering = ["-signed_at", "-pk"]
        indexes = [models.Index(fields=["form_type", "form_id"], name="signature_form_idx")]

    def __str__(self):
        return f"{self.signer} {self.signed_at:%Y-%m-%d %H:%M}"


class SigningLockout(models.Model):
    """Signing refused to a user until a time, after too many wrong passwords in a row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    started_at = models.DateTimeField(_("locked"))
    until = models.DateTimeField(_("locked until"))

    class Meta:
        verbose_name = _("signing lockout")
        verbose_name_plural = _("signing lockouts")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.user} {self.until:%Y-%m-%d %H:%M}"
