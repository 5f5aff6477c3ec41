"""Sites, the people who work at them and the patients they enrol."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    INVESTIGATOR = "investigator", _("Investigator")
    COORDINATOR = "coordinator", _("Study coordinator")
    MONITOR = "monitor", _("Monitor")
    DATA_MANAGER = "data_manager", _("Data manager")


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
    subject_id = models.CharField(
        _("subject ID"), max_length=16, unique=True, editable=False
    )
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
