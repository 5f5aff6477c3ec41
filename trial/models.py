"""Sites, the people who work at them, the patients they enrol and their randomization."""

import datetime
import zoneinfo

from django.conf import settings
from django.db import IntegrityError, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import protocol


class Role(models.TextChoices):
    INVESTIGATOR = "investigator", _("Investigator")
    COORDINATOR = "coordinator", _("Study coordinator")
    MONITOR = "monitor", _("Monitor")
    DATA_MANAGER = "data_manager", _("Data manager")


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


class Membership(models.Model):
    """A user's role at one site, or across the whole study when site is empty."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("user"),
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("site"),
        help_text=_("Leave empty for a study-wide data manager."),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["user__username", "site__code", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "site", "role"], name="membership_unique_per_site"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(site__isnull=True),
                name="membership_unique_study_wide",
            ),
            models.CheckConstraint(
                condition=Q(site__isnull=False) | Q(role="data_manager"),
                name="membership_study_wide_only_data_manager",
            ),
        ]

    def __str__(self):
        where = self.site.code if self.site_id else _("whole study")
        return f"{self.user} - {self.get_role_display()} - {where}"


class SubjectSequence(models.Model):
    """Last subject number issued at a site; locked row makes numbering gap-free."""

    site = models.OneToOneField(Site, on_delete=models.PROTECT, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.site_id}: {self.last_number}"


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class PatientStatus(models.TextChoices):
    SCREENING = "screening", _("Screening")
    SCREEN_FAILED = "screen_failed", _("Screen failed")
    RANDOMIZED = "randomized", _("Randomized")
    ON_TREATMENT = "on_treatment", _("On treatment")
    FOLLOW_UP = "follow_up", _("In follow-up")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DIED = "died", _("Died")


class Patient(models.Model):
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="patients", verbose_name=_("site")
    )
    subject_id = models.CharField(_("subject ID"), max_length=16, unique=True, editable=False)
    screening_number = models.CharField(_("screening number"), max_length=32, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"))
    consent_date = models.DateField(_("date of informed consent"), null=True, blank=True)
    status = models.CharField(
        _("study status"),
        max_length=20,
        choices=PatientStatus.choices,
        default=PatientStatus.SCREENING,
        editable=False,
        help_text=_("Derived from the recorded data."),
    )
    entered_in_error = models.BooleanField(_("entered in error"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["subject_id"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__gte=1900, birth_year__lte=2100),
                name="patient_birth_year_range",
            ),
            models.UniqueConstraint(
                fields=["site", "screening_number"],
                condition=~Q(screening_number=""),
                name="patient_screening_number_unique_per_site",
            ),
        ]

    def __str__(self):
        return self.subject_id


# Randomization ---------------------------------------------------------------------------


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


# Access log ------------------------------------------------------------------------------


class AccessAction(models.TextChoices):
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logout")
    PASSWORD_CHANGE = "password_change", _("Password change")
    SIGNATURE = "signature", _("Electronic signature")
    SIGNATURE_FAILED = "signature_failed", _("Failed electronic signature")
    RANDOMIZATION = "randomization", _("Randomization")
    EXPORT = "export", _("Export")
    DOWNLOAD = "download", _("Download")


class AccessLog(models.Model):
    """Who logged in, signed, randomized or took data out, from where; append-only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AccessAction.choices)
    detail = models.TextField(_("detail"), blank=True)
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )

    class Meta:
        ordering = ["-at"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["action", "at"], name="accesslog_action_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_action_display()}"
