"""Circulating tumour DNA samples and results."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import Crf


class CtdnaTimepoint(models.TextChoices):
    POST_SURGERY = "post_surgery", _("Post-surgery baseline")
    DURING_TREATMENT = "during_treatment", _("During treatment")
    END_OF_TREATMENT = "end_of_treatment", _("End of treatment")
    FOLLOW_UP = "follow_up", _("Follow-up")


class CtdnaResult(models.TextChoices):
    POSITIVE = "positive", _("Positive (ctDNA detected)")
    NEGATIVE = "negative", _("Negative (not detected)")
    NOT_EVALUABLE = "not_evaluable", _("Not evaluable")


class CtdnaUnit(models.TextChoices):
    MTM_ML = "MTM/mL", _("mean tumour molecules per mL (MTM/mL)")
    VAF = "VAF %", _("variant allele frequency (%)")


class CtdnaSample(Crf):
    FORM_CODE = "ctdna"
    REPEATING = True
    CDASH = {"bsdat": "BSDAT", "bsrefid": "BSREFID"}
    SECTIONS = (
        (_("Sample"), ("bsdat", "timepoint", "bsrefid")),
        (_("Assay"), ("assay", "laboratory")),
        (_("Result"), ("result", "quant_value", "quant_unit", "for_randomization")),
    )

    bsdat = models.DateField(null=True, verbose_name=_("date of blood sample"))
    timepoint = models.CharField(_("timepoint"), max_length=20, choices=CtdnaTimepoint)
    bsrefid = models.CharField(_("sample identifier"), max_length=40, blank=True)
    assay = models.CharField(
        _("assay"), max_length=80, help_text=_("e.g. tumour-informed NGS panel")
    )
    laboratory = models.CharField(_("laboratory"), max_length=120)
    result = models.CharField(_("result"), max_length=16, choices=CtdnaResult)
    quant_value = models.DecimalField(
        null=True, verbose_name=_("quantitative value"), max_digits=10, decimal_places=3, blank=True
    )
    quant_unit = models.CharField(
        _("unit of quantitative value"), max_length=8, choices=CtdnaUnit, blank=True
    )
    for_randomization = models.BooleanField(
        _("result used for the randomization decision"), default=False
    )

    class Meta(Crf.Meta):
        verbose_name = _("ctDNA sample")
        verbose_name_plural = _("ctDNA samples")
