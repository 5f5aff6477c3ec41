"""Treatment forms: one per FOLFOX cycle, one per capecitabine cycle, end of treatment."""

from django.db import models
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from trial import protocol

from .base import Crf


def dose_level_field():
    return models.SmallIntegerField(
        null=True,
        verbose_name=_("dose level"),
        choices=[(level, f"{level:+d}" if level else "0") for level in (0, -1, -2)],
        default=0,
        help_text=_("0 is the full dose; -1 and -2 are the protocol's reduced levels."),
    )


FOLFOX_PREFIX = {"OXALIPLATIN": "oxa", "LEUCOVORIN": "lv", "FU_BOLUS": "fub", "FU_INFUSION": "fui"}


def _component_fields():
    fields = {}
    for component in protocol.FOLFOX.components:
        prefix = FOLFOX_PREFIX[component.code]
        fields[f"{prefix}_planned"] = models.DecimalField(
            null=True,
            verbose_name=format_lazy(_("{drug} planned dose"), drug=component.name),
            max_digits=7,
            decimal_places=1,
            editable=False,
        )
        fields[f"{prefix}_exdose"] = models.DecimalField(
            null=True,
            verbose_name=format_lazy(_("{drug} administered dose"), drug=component.name),
            max_digits=7,
            decimal_places=1,
            blank=True,
        )
        fields[f"{prefix}_omitted"] = models.BooleanField(
            format_lazy(_("{drug} omitted"), drug=component.name), default=False
        )
    return fields


class DelayReason(models.TextChoices):
    TOXICITY = "toxicity", _("Toxicity")
    PATIENT = "patient", _("Patient request")
    LOGISTIC = "logistic", _("Logistic / holiday")
    OTHER = "other", _("Other")


class ReductionReason(models.TextChoices):
    HAEMATOLOGICAL = "haematological", _("Haematological toxicity")
    NEUROPATHY = "neuropathy", _("Peripheral neuropathy")
    GASTROINTESTINAL = "gastrointestinal", _("Gastrointestinal toxicity")
    OTHER_TOXICITY = "other_toxicity", _("Other toxicity")
    OTHER = "other", _("Other")


class FolfoxCycle(Crf):
    FORM_CODE = "folfox_cycle"
    UNITS = {
        "weight": "kg",
        "bsa": "m²",
        "delay_days": "days",
        **{f"{p}_{k}": "mg" for p in FOLFOX_PREFIX.values() for k in ("planned", "exdose")},
    }
    CDASH = {"exstdat": "EXSTDAT", "weight": "WEIGHT", "cycle": "EXCYCLE"}
    SECTIONS = (
        (_("Cycle"), ("cycle", "exstdat", "weight", "bsa", "dose_level")),
        *(
            (
                c.name,
                tuple(f"{FOLFOX_PREFIX[c.code]}_{k}" for k in ("planned", "exdose", "omitted")),
            )
            for c in protocol.FOLFOX.components
        ),
        (
            _("Delay and reduction"),
            (
                "delayed",
                "delay_days",
                "delay_reason",
                "reduced",
                "reduction_reason",
                "deviation_reason",
            ),
        ),
    )
    DERIVED = ("bsa", *(f"{p}_planned" for p in FOLFOX_PREFIX.values()))

    cycle = models.PositiveSmallIntegerField(null=True, verbose_name=_("cycle number"))
    exstdat = models.DateField(null=True, verbose_name=_("date of administration"))
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
    dose_level = dose_level_field()
    locals().update(_component_fields())
    delayed = models.BooleanField(_("cycle delayed"), default=False)
    delay_days = models.PositiveSmallIntegerField(null=True, verbose_name=_("delay"), blank=True)
    delay_reason = models.CharField(
        _("reason for delay"), max_length=16, choices=DelayReason, blank=True
    )
    reduced = models.BooleanField(_("dose reduced"), default=False)
    reduction_reason = models.CharField(
        _("reason for reduction"), max_length=20, choices=ReductionReason, blank=True
    )
    deviation_reason = models.CharField(
        _("reason administered dose differs from planned"), max_length=200, blank=True
    )

    class Meta(Crf.Meta):
        verbose_name = _("FOLFOX cycle")
        verbose_name_plural = _("FOLFOX cycles")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "cycle"],
                condition=Q(entered_in_error=False),
                name="folfox_cycle_once",
            ),
            models.CheckConstraint(
                condition=Q(cycle__gte=1, cycle__lte=protocol.FOLFOX.cycles),
                name="folfox_cycle_number_range",
            ),
        ]


class CapecitabineCycle(Crf):
    FORM_CODE = "capecitabine_cycle"
    UNITS = {
        "daily_dose": "mg/day",
        "planned_daily_dose": "mg/day",
        "compliance": "%",
        "weight": "kg",
        "bsa": "m²",
    }
    CDASH = {"exstdat": "EXSTDAT", "exendat": "EXENDAT", "cycle": "EXCYCLE"}
    SECTIONS = (
        (_("Cycle"), ("cycle", "exstdat", "exendat", "weight", "bsa", "dose_level")),
        (_("Prescription"), ("planned_daily_dose", "daily_dose", "tablets_500", "tablets_150")),
        (_("Compliance"), ("tablets_dispensed", "tablets_returned", "doses_missed", "compliance")),
        (_("Deviation"), ("deviation_reason",)),
    )
    DERIVED = ("bsa", "planned_daily_dose", "compliance")

    cycle = models.PositiveSmallIntegerField(null=True, verbose_name=_("cycle number"))
    exstdat = models.DateField(null=True, verbose_name=_("first day of capecitabine"))
    exendat = models.DateField(null=True, verbose_name=_("last day of capecitabine"), blank=True)
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
    dose_level = dose_level_field()
    planned_daily_dose = models.PositiveIntegerField(
        null=True, verbose_name=_("planned daily dose"), editable=False
    )
    daily_dose = models.PositiveIntegerField(null=True, verbose_name=_("prescribed daily dose"))
    tablets_500 = models.PositiveSmallIntegerField(
        null=True, verbose_name=_("500 mg tablets per intake"), default=0
    )
    tablets_150 = models.PositiveSmallIntegerField(
        null=True, verbose_name=_("150 mg tablets per intake"), default=0
    )
    tablets_dispensed = models.PositiveSmallIntegerField(
        null=True, verbose_name=_("tablets dispensed"), blank=True
    )
    tablets_returned = models.PositiveSmallIntegerField(
        null=True, verbose_name=_("tablets returned"), blank=True
    )
    doses_missed = models.PositiveSmallIntegerField(
        null=True, verbose_name=_("doses missed"), default=0
    )
    compliance = models.DecimalField(
        null=True, verbose_name=_("compliance"), max_digits=5, decimal_places=1, editable=False
    )
    deviation_reason = models.CharField(
        _("reason prescribed dose differs from planned"), max_length=200, blank=True
    )

    class Meta(Crf.Meta):
        verbose_name = _("capecitabine cycle")
        verbose_name_plural = _("capecitabine cycles")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "cycle"],
                condition=Q(entered_in_error=False),
                name="capecitabine_cycle_once",
            ),
        ]


class EndOfTreatmentReason(models.TextChoices):
    COMPLETED = "completed", _("Completed planned treatment")
    TOXICITY = "toxicity", _("Unacceptable toxicity")
    RECURRENCE = "recurrence", _("Recurrence or progression")
    PATIENT_DECISION = "patient_decision", _("Patient decision")
    INVESTIGATOR_DECISION = "investigator_decision", _("Investigator decision")
    DEATH = "death", _("Death")
    OTHER = "other", _("Other")


class EndOfTreatment(Crf):
    FORM_CODE = "end_of_treatment"
    CDASH = {"dsstdat": "DSSTDAT", "dsdecod": "DSDECOD"}
    SECTIONS = ((_("End of treatment"), ("dsstdat", "dsdecod", "dsterm")),)

    dsstdat = models.DateField(null=True, verbose_name=_("date of last treatment"))
    dsdecod = models.CharField(
        _("reason treatment ended"), max_length=24, choices=EndOfTreatmentReason
    )
    dsterm = models.CharField(_("details"), max_length=200, blank=True)

    class Meta(Crf.Meta):
        verbose_name = _("end of treatment")
        verbose_name_plural = _("end of treatment")
