"""Outcome forms: tumour assessments, CEA, recurrence, later therapy, survival, death, end."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import Crf

RECURRENCE_SITES = (
    ("site_liver", _("Liver")),
    ("site_lung", _("Lung")),
    ("site_peritoneum", _("Peritoneum")),
    ("site_lymph_nodes", _("Lymph nodes")),
    ("site_local", _("Local (anastomosis / pelvis)")),
    ("site_bone", _("Bone")),
    ("site_other", _("Other")),
)


def _site_fields():
    return {code: models.BooleanField(label, default=False) for code, label in RECURRENCE_SITES}


class ImagingMethod(models.TextChoices):
    CT = "CT", _("CT")
    MRI = "MRI", _("MRI")
    PET_CT = "PET-CT", _("PET-CT")
    ULTRASOUND = "US", _("Ultrasound")


class TumourAssessment(Crf):
    FORM_CODE = "tumour_assessment"
    CDASH = {"trdat": "TRDAT", "trmethod": "TRMETHOD"}
    SECTIONS = (
        (_("Assessment"), ("trdat", "trmethod", "new_lesions", "recurrence")),
        (_("Sites of recurrence"), tuple(code for code, _label in RECURRENCE_SITES)),
    )

    trdat = models.DateField(null=True, verbose_name=_("date of imaging"))
    trmethod = models.CharField(_("method"), max_length=8, choices=ImagingMethod)
    new_lesions = models.BooleanField(_("new lesions"), default=False)
    recurrence = models.BooleanField(_("recurrence or progression"), default=False)
    locals().update(_site_fields())

    class Meta(Crf.Meta):
        verbose_name = _("tumour assessment")
        verbose_name_plural = _("tumour assessments")


class CeaTest(Crf):
    FORM_CODE = "cea"
    UNITS = {"cea": "ng/mL"}
    CDASH = {"lbdat": "LBDAT"}
    SECTIONS = ((_("CEA"), ("lbdat", "cea")),)

    lbdat = models.DateField(null=True, verbose_name=_("date of sample"))
    cea = models.DecimalField(null=True, verbose_name=_("CEA"), max_digits=8, decimal_places=2)

    class Meta(Crf.Meta):
        verbose_name = _("CEA")
        verbose_name_plural = _("CEA tests")


class Confirmation(models.TextChoices):
    IMAGING = "imaging", _("Imaging")
    PATHOLOGY = "pathology", _("Pathology (biopsy or resection)")
    BOTH = "both", _("Imaging and pathology")
    CLINICAL = "clinical", _("Clinical only")


class Recurrence(Crf):
    FORM_CODE = "recurrence"
    CDASH = {"rsdat": "RSDAT"}
    SECTIONS = (
        (_("Recurrence or progression"), ("rsdat", "confirmed_by")),
        (_("Sites"), tuple(code for code, _label in RECURRENCE_SITES)),
    )

    rsdat = models.DateField(null=True, verbose_name=_("date of recurrence"))
    confirmed_by = models.CharField(_("how confirmed"), max_length=12, choices=Confirmation)
    locals().update(_site_fields())

    class Meta(Crf.Meta):
        verbose_name = _("recurrence")
        verbose_name_plural = _("recurrences")


class TherapyType(models.TextChoices):
    CHEMOTHERAPY = "chemotherapy", _("Chemotherapy")
    TARGETED = "targeted", _("Targeted therapy")
    IMMUNOTHERAPY = "immunotherapy", _("Immunotherapy")
    SURGERY = "surgery", _("Surgery")
    ABLATION = "ablation", _("Ablation")
    RADIOTHERAPY = "radiotherapy", _("Radiotherapy")
    OTHER = "other", _("Other")


class SubsequentTherapy(Crf):
    FORM_CODE = "subsequent_therapy"
    REPEATING = True
    CDASH = {"cmtrt": "CMTRT", "cmstdat": "CMSTDAT"}
    SECTIONS = ((_("Therapy"), ("therapy_type", "cmtrt", "cmstdat")),)

    therapy_type = models.CharField(_("type of therapy"), max_length=16, choices=TherapyType)
    cmtrt = models.CharField(_("regimen or procedure"), max_length=200)
    cmstdat = models.DateField(null=True, verbose_name=_("start date"))

    class Meta(Crf.Meta):
        verbose_name = _("subsequent therapy")
        verbose_name_plural = _("subsequent therapies")


class VitalStatus(models.TextChoices):
    ALIVE = "alive", _("Alive")
    DEAD = "dead", _("Dead")
    UNKNOWN = "unknown", _("Unknown (lost to follow-up)")


class SurvivalFollowUp(Crf):
    FORM_CODE = "survival"
    CDASH = {"lkadat": "LKADAT"}
    SECTIONS = ((_("Survival"), ("contact_date", "vital_status", "lkadat")),)

    contact_date = models.DateField(null=True, verbose_name=_("date of contact"))
    vital_status = models.CharField(_("vital status"), max_length=8, choices=VitalStatus)
    lkadat = models.DateField(null=True, verbose_name=_("date last known alive"), blank=True)

    class Meta(Crf.Meta):
        verbose_name = _("survival follow-up")
        verbose_name_plural = _("survival follow-ups")


class DeathCause(models.TextChoices):
    DISEASE = "disease", _("Colorectal cancer")
    ADVERSE_EVENT = "adverse_event", _("Adverse event of study treatment")
    OTHER = "other", _("Other cause")
    UNKNOWN = "unknown", _("Unknown")


class Death(Crf):
    FORM_CODE = "death"
    CDASH = {"dthdat": "DTHDAT"}
    SECTIONS = ((_("Death"), ("dthdat", "cause", "cause_detail", "autopsy")),)

    dthdat = models.DateField(null=True, verbose_name=_("date of death"))
    cause = models.CharField(_("primary cause of death"), max_length=16, choices=DeathCause)
    cause_detail = models.CharField(_("details"), max_length=200, blank=True)
    autopsy = models.BooleanField(_("autopsy performed"), default=False)

    class Meta(Crf.Meta):
        verbose_name = _("death")
        verbose_name_plural = _("deaths")


class DeviationCategory(models.TextChoices):
    ELIGIBILITY = "eligibility", _("Eligibility")
    CONSENT = "consent", _("Informed consent")
    DOSING = "dosing", _("Study treatment / dosing")
    VISIT_WINDOW = "visit_window", _("Visit outside window")
    ASSESSMENT = "assessment", _("Missed assessment")
    OTHER = "other", _("Other")


class DeviationSeverity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")


class ProtocolDeviation(Crf):
    FORM_CODE = "protocol_deviation"
    REPEATING = True
    CDASH = {"dvstdat": "DVSTDAT", "dvterm": "DVTERM", "dvcat": "DVCAT"}
    SECTIONS = ((_("Deviation"), ("dvstdat", "dvcat", "severity", "dvterm")),)

    dvstdat = models.DateField(null=True, verbose_name=_("date of deviation"))
    dvcat = models.CharField(_("category"), max_length=16, choices=DeviationCategory)
    severity = models.CharField(_("severity"), max_length=8, choices=DeviationSeverity)
    dvterm = models.CharField(_("description"), max_length=400)

    class Meta(Crf.Meta):
        verbose_name = _("protocol deviation")
        verbose_name_plural = _("protocol deviations")


class EndOfStudyReason(models.TextChoices):
    COMPLETED = "completed", _("Completed follow-up")
    SCREEN_FAILURE = "screen_failure", _("Screen failure")
    WITHDREW_CONSENT = "withdrew_consent", _("Withdrew consent")
    LOST_TO_FOLLOW_UP = "lost_to_follow_up", _("Lost to follow-up")
    DEATH = "death", _("Death")
    INVESTIGATOR_DECISION = "investigator_decision", _("Investigator decision")


class EndOfStudy(Crf):
    FORM_CODE = "end_of_study"
    CDASH = {"dsstdat": "DSSTDAT", "dsdecod": "DSDECOD", "dsterm": "DSTERM"}
    SECTIONS = ((_("End of study"), ("dsstdat", "dsdecod", "dsterm")),)

    dsstdat = models.DateField(null=True, verbose_name=_("date of end of study"))
    dsdecod = models.CharField(_("reason"), max_length=24, choices=EndOfStudyReason)
    dsterm = models.CharField(_("details"), max_length=200, blank=True)

    class Meta(Crf.Meta):
        verbose_name = _("end of study")
        verbose_name_plural = _("end of study")
