"""Screening and baseline forms: consent, demographics, eligibility, tumour, resection."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from trial import protocol
from trial.models import Sex

from .base import Crf, YesNoUnknown


def between(low, high):
    return [MinValueValidator(low), MaxValueValidator(high)]


class Consent(Crf):
    FORM_CODE = "consent"
    CDASH = {"dsstdat": "DSSTDAT"}
    SECTIONS = ((_("Informed consent"), ("dsstdat", "icversion", "icversion_date")),)

    dsstdat = models.DateField(null=True, verbose_name=_("date informed consent signed"))
    icversion = models.CharField(_("consent form version"), max_length=20)
    icversion_date = models.DateField(
        null=True, verbose_name=_("consent form version date"), blank=True
    )

    class Meta(Crf.Meta):
        verbose_name = _("informed consent")
        verbose_name_plural = _("informed consents")


class Ethnicity(models.TextChoices):
    HAN = "han", _("Han Chinese")
    OTHER_CHINESE = "other_chinese", _("Other Chinese ethnic group")
    OTHER = "other", _("Other")
    NOT_REPORTED = "not_reported", _("Not reported")


class Demographics(Crf):
    FORM_CODE = "demographics"
    CDASH = {"sex": "SEX", "brthyy": "BRTHYY", "ethnic": "ETHNIC"}
    SECTIONS = ((_("Demographics"), ("sex", "brthyy", "ethnic")),)

    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    brthyy = models.PositiveSmallIntegerField(
        null=True, verbose_name=_("year of birth"), validators=between(1900, 2100)
    )
    ethnic = models.CharField(_("ethnicity"), max_length=16, choices=Ethnicity.choices, blank=True)

    class Meta(Crf.Meta):
        verbose_name = _("demographics")
        verbose_name_plural = _("demographics")


def _criterion_fields(criteria):
    return {
        code.lower(): models.CharField(
            f"{code}: {text}", max_length=1, choices=YesNoUnknown.choices
        )
        for code, text in criteria
    }


class Eligibility(Crf):
    """Every inclusion and exclusion criterion of the protocol as its own item."""

    FORM_CODE = "eligibility"
    INCLUSION = tuple(code.lower() for code, _text in protocol.INCLUSION_CRITERIA)
    EXCLUSION = tuple(code.lower() for code, _text in protocol.EXCLUSION_CRITERIA)
    CDASH = {"iedat": "IEDAT", **{c: c.upper() for c in INCLUSION + EXCLUSION}}
    SECTIONS = (
        (_("Assessment"), ("iedat",)),
        (_("Inclusion criteria (all must be Yes)"), INCLUSION),
        (_("Exclusion criteria (all must be No)"), EXCLUSION),
        (_("Result"), ("eligible",)),
    )
    DERIVED = ("eligible",)

    iedat = models.DateField(null=True, verbose_name=_("date eligibility assessed"))
    locals().update(_criterion_fields(protocol.INCLUSION_CRITERIA))
    locals().update(_criterion_fields(protocol.EXCLUSION_CRITERIA))
    eligible = models.BooleanField(
        _("eligible"), null=True, editable=False, help_text=_("Derived from the criteria.")
    )

    class Meta(Crf.Meta):
        verbose_name = _("eligibility")
        verbose_name_plural = _("eligibility")


class MedicalHistory(Crf):
    FORM_CODE = "medical_history"
    REPEATING = True
    CDASH = {"mhterm": "MHTERM", "mhstdat": "MHSTDAT", "mhongo": "MHONGO", "mhendat": "MHENDAT"}
    SECTIONS = ((_("Condition"), ("mhterm", "mhstdat", "mhongo", "mhendat")),)

    mhterm = models.CharField(_("condition or procedure"), max_length=200)
    mhstdat = models.DateField(null=True, verbose_name=_("start date"), blank=True)
    mhongo = models.BooleanField(_("ongoing"), default=False)
    mhendat = models.DateField(null=True, verbose_name=_("end date"), blank=True)

    class Meta(Crf.Meta):
        verbose_name = _("medical history")
        verbose_name_plural = _("medical history")


class TumourLocation(models.TextChoices):
    CAECUM = "caecum", _("Caecum")
    ASCENDING = "ascending", _("Ascending colon")
    HEPATIC_FLEXURE = "hepatic_flexure", _("Hepatic flexure")
    TRANSVERSE = "transverse", _("Transverse colon")
    SPLENIC_FLEXURE = "splenic_flexure", _("Splenic flexure")
    DESCENDING = "descending", _("Descending colon")
    SIGMOID = "sigmoid", _("Sigmoid colon")
    RECTUM = "rectum", _("Rectum")


class Sidedness(models.TextChoices):
    RIGHT = "right", _("Right-sided colon")
    LEFT = "left", _("Left-sided colon")
    RECTUM = "rectum", _("Rectum")


class Histology(models.TextChoices):
    ADENOCARCINOMA = "adenocarcinoma", _("Adenocarcinoma")
    MUCINOUS = "mucinous", _("Mucinous adenocarcinoma")
    SIGNET_RING = "signet_ring", _("Signet ring cell carcinoma")
    OTHER = "other", _("Other")


class TumourGrade(models.TextChoices):
    G1 = "G1", _("G1 well differentiated")
    G2 = "G2", _("G2 moderately differentiated")
    G3 = "G3", _("G3 poorly differentiated")
    GX = "GX", _("GX cannot be assessed")


class MutationStatus(models.TextChoices):
    WILD_TYPE = "wild_type", _("Wild type")
    MUTANT = "mutant", _("Mutant")
    NOT_TESTED = "not_tested", _("Not tested / unknown")


class MsiStatus(models.TextChoices):
    MSS = "MSS", _("MSS / pMMR")
    MSI_H = "MSI-H", _("MSI-H / dMMR")
    NOT_TESTED = "not_tested", _("Not tested / unknown")


class PrimaryTumour(Crf):
    FORM_CODE = "primary_tumour"
    T_STAGES = ("Tis", "T1", "T2", "T3", "T4a", "T4b", "TX")
    N_STAGES = ("N0", "N1a", "N1b", "N1c", "N2a", "N2b", "NX")
    SECTIONS = (
        (_("Diagnosis"), ("diagdat", "location", "sidedness", "histology", "grade")),
        (_("Stage (AJCC 8th edition)"), ("tnm_t", "tnm_n", "tnm_m")),
        (_("Molecular"), ("ras", "braf", "msi")),
    )

    diagdat = models.DateField(null=True, verbose_name=_("date of diagnosis"))
    location = models.CharField(_("primary tumour site"), max_length=16, choices=TumourLocation)
    sidedness = models.CharField(_("side"), max_length=8, choices=Sidedness)
    histology = models.CharField(_("histology"), max_length=16, choices=Histology)
    grade = models.CharField(_("histological grade"), max_length=2, choices=TumourGrade)
    tnm_t = models.CharField(_("pT"), max_length=4, choices=[(t, t) for t in T_STAGES])
    tnm_n = models.CharField(_("pN"), max_length=4, choices=[(n, n) for n in N_STAGES])
    tnm_m = models.CharField(
        _("M"), max_length=4, choices=[("M1a", "M1a"), ("M1b", "M1b"), ("M1c", "M1c")]
    )
    ras = models.CharField(_("RAS status"), max_length=12, choices=MutationStatus)
    braf = models.CharField(_("BRAF V600E status"), max_length=12, choices=MutationStatus)
    msi = models.CharField(_("MSI / MMR status"), max_length=12, choices=MsiStatus)

    class Meta(Crf.Meta):
        verbose_name = _("primary tumour")
        verbose_name_plural = _("primary tumours")


class MetastasisTiming(models.TextChoices):
    SYNCHRONOUS = "synchronous", _("Synchronous (within 6 months of the primary)")
    METACHRONOUS = "metachronous", _("Metachronous")


class ResectionMargin(models.TextChoices):
    R0 = "R0", _("R0 (no residual tumour)")
    R1 = "R1", _("R1 (microscopic residual)")
    R2 = "R2", _("R2 (macroscopic residual)")


class LiverResection(Crf):
    FORM_CODE = "liver_resection"
    UNITS = {"largest_lesion_mm": "mm"}
    CDASH = {"prstdat": "PRSTDAT"}
    SECTIONS = (
        (_("Liver metastases"), ("timing", "lesion_count", "largest_lesion_mm")),
        (_("Surgery"), ("prstdat", "margin", "ablation", "extrahepatic")),
    )

    timing = models.CharField(
        _("timing of liver metastases"), max_length=12, choices=MetastasisTiming
    )
    lesion_count = models.PositiveSmallIntegerField(
        null=True, verbose_name=_("number of liver lesions"), validators=between(1, 50)
    )
    largest_lesion_mm = models.PositiveSmallIntegerField(
        null=True, verbose_name=_("largest lesion diameter"), validators=between(1, 300)
    )
    prstdat = models.DateField(null=True, verbose_name=_("date of liver surgery"))
    margin = models.CharField(_("resection margin"), max_length=2, choices=ResectionMargin)
    ablation = models.BooleanField(_("ablation used"), default=False)
    extrahepatic = models.BooleanField(_("extrahepatic disease"), default=False)

    class Meta(Crf.Meta):
        verbose_name = _("liver metastases and resection")
        verbose_name_plural = _("liver metastases and resections")


class Asa(models.IntegerChoices):
    I = 1, "I"  # noqa: E741 - the ASA class is spelled I
    II = 2, "II"
    III = 3, "III"
    IV = 4, "IV"
    V = 5, "V"


class PerformanceStatus(Crf):
    FORM_CODE = "performance_status"
    CDASH = {"qsdat": "QSDAT"}
    SECTIONS = ((_("Performance status"), ("qsdat", "ecog", "asa")),)

    qsdat = models.DateField(null=True, verbose_name=_("date assessed"))
    ecog = models.PositiveSmallIntegerField(
        null=True,
        verbose_name=_("ECOG performance status"),
        choices=[(n, str(n)) for n in range(5)],
    )
    asa = models.PositiveSmallIntegerField(
        null=True, verbose_name=_("ASA physical status"), choices=Asa.choices
    )

    class Meta(Crf.Meta):
        verbose_name = _("performance status")
        verbose_name_plural = _("performance status")


class BaselineLabs(Crf):
    FORM_CODE = "baseline_labs"
    UNITS = {
        "hgb": "g/L",
        "anc": "10^9/L",
        "plt": "10^9/L",
        "alt": "U/L",
        "ast": "U/L",
        "tbil": "µmol/L",
        "creat": "µmol/L",
        "cea": "ng/mL",
        "ca199": "U/mL",
    }
    CDASH = {"lbdat": "LBDAT"}
    SECTIONS = (
        (_("Sample"), ("lbdat",)),
        (_("Haematology"), ("hgb", "anc", "plt")),
        (_("Chemistry"), ("alt", "ast", "tbil", "creat")),
        (_("Tumour markers"), ("cea", "ca199")),
    )

    lbdat = models.DateField(null=True, verbose_name=_("date of sample"))
    hgb = models.DecimalField(
        null=True, verbose_name=_("haemoglobin"), max_digits=5, decimal_places=1, blank=True
    )
    anc = models.DecimalField(
        null=True, verbose_name=_("neutrophils"), max_digits=5, decimal_places=2, blank=True
    )
    plt = models.DecimalField(
        null=True, verbose_name=_("platelets"), max_digits=6, decimal_places=1, blank=True
    )
    alt = models.DecimalField(
        null=True, verbose_name=_("ALT"), max_digits=6, decimal_places=1, blank=True
    )
    ast = models.DecimalField(
        null=True, verbose_name=_("AST"), max_digits=6, decimal_places=1, blank=True
    )
    tbil = models.DecimalField(
        null=True, verbose_name=_("total bilirubin"), max_digits=6, decimal_places=1, blank=True
    )
    creat = models.DecimalField(
        null=True, verbose_name=_("creatinine"), max_digits=6, decimal_places=1, blank=True
    )
    cea = models.DecimalField(
        null=True, verbose_name=_("CEA"), max_digits=8, decimal_places=2, blank=True
    )
    ca199 = models.DecimalField(
        null=True, verbose_name=_("CA 19-9"), max_digits=8, decimal_places=1, blank=True
    )

    class Meta(Crf.Meta):
        verbose_name = _("baseline laboratory tests")
        verbose_name_plural = _("baseline laboratory tests")


class VitalSigns(Crf):
    FORM_CODE = "vital_signs"
    UNITS = {"height": "cm", "weight": "kg", "bsa": "m²"}
    CDASH = {"vsdat": "VSDAT", "height": "HEIGHT", "weight": "WEIGHT"}
    SECTIONS = ((_("Height and weight"), ("vsdat", "height", "weight", "bsa")),)
    DERIVED = ("bsa",)

    vsdat = models.DateField(null=True, verbose_name=_("date measured"))
    height = models.DecimalField(
        null=True, verbose_name=_("height"), max_digits=4, decimal_places=1
    )
    weight = models.DecimalField(
        null=True, verbose_name=_("weight"), max_digits=4, decimal_places=1
    )
    bsa = models.DecimalField(
        null=True,
        verbose_name=_("body surface area"),
        max_digits=4,
        decimal_places=2,
        editable=False,
    )

    class Meta(Crf.Meta):
        verbose_name = _("height and weight")
        verbose_name_plural = _("height and weight")
