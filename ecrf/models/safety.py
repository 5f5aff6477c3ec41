"""Adverse events coded with CTCAE v5.0, and concomitant medications."""

from django.db import models
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .base import Crf


class Causality(models.TextChoices):
    NOT_RELATED = "not_related", _("Not related")
    UNLIKELY = "unlikely", _("Unlikely related")
    POSSIBLE = "possible", _("Possibly related")
    PROBABLE = "probable", _("Probably related")
    DEFINITE = "definite", _("Definitely related")
    NOT_APPLICABLE = "na", _("Not applicable (drug not given)")


class ActionTaken(models.TextChoices):
    NONE = "none", _("Dose not changed")
    REDUCED = "reduced", _("Dose reduced")
    DELAYED = "delayed", _("Dose delayed")
    INTERRUPTED = "interrupted", _("Drug interrupted")
    WITHDRAWN = "withdrawn", _("Drug withdrawn")
    NOT_APPLICABLE = "na", _("Not applicable")


class AeOutcome(models.TextChoices):
    RECOVERED = "recovered", _("Recovered / resolved")
    RECOVERING = "recovering", _("Recovering / resolving")
    NOT_RECOVERED = "not_recovered", _("Not recovered / not resolved")
    SEQUELAE = "sequelae", _("Recovered with sequelae")
    FATAL = "fatal", _("Fatal")
    UNKNOWN = "unknown", _("Unknown")


DRUGS = (("oxa", _("oxaliplatin")), ("fu", _("5-FU / leucovorin")), ("cape", _("capecitabine")))
SERIOUS_CRITERIA = (
    ("aesdth", _("Results in death")),
    ("aeslife", _("Is life-threatening")),
    ("aeshosp", _("Requires or prolongs hospitalisation")),
    ("aesdisab", _("Persistent or significant disability")),
    ("aescong", _("Congenital anomaly")),
    ("aesmie", _("Other medically important event")),
)


def _drug_fields():
    fields = {}
    for code, drug in DRUGS:
        fields[f"aerel_{code}"] = models.CharField(
            format_lazy(_("relation to {drug}"), drug=drug), max_length=12, choices=Causality
        )
    for code, drug in DRUGS:
        fields[f"aeacn_{code}"] = models.CharField(
            format_lazy(_("action taken with {drug}"), drug=drug),
            max_length=12,
            choices=ActionTaken,
        )
    return fields


class AdverseEvent(Crf):
    FORM_CODE = "adverse_event"
    REPEATING = True
    CDASH = {
        "aeterm": "AETERM",
        "aeptcd": "AEPTCD",
        "aesoc": "AESOC",
        "aetoxgr": "AETOXGR",
        "aestdat": "AESTDAT",
        "aeendat": "AEENDAT",
        "aeongo": "AEONGO",
        "aeser": "AESER",
        "aeout": "AEOUT",
        **{c: c.upper() for c, _label in SERIOUS_CRITERIA},
        **{f"aerel_{c}": "AEREL" for c, _d in DRUGS},
        **{f"aeacn_{c}": "AEACN" for c, _d in DRUGS},
    }
    SECTIONS = (
        (_("Event (CTCAE v5.0)"), ("aeptcd", "aeterm", "aesoc", "aetoxgr")),
        (_("Dates"), ("aestdat", "aeongo", "aeendat")),
        (_("Seriousness"), ("aeser", *(c for c, _label in SERIOUS_CRITERIA))),
        (_("Relation to study drugs"), tuple(f"aerel_{c}" for c, _d in DRUGS)),
        (_("Action taken"), tuple(f"aeacn_{c}" for c, _d in DRUGS)),
        (_("Outcome"), ("aeout",)),
    )

    aeptcd = models.CharField(_("CTCAE term (MedDRA code)"), max_length=10)
    aeterm = models.CharField(_("adverse event term"), max_length=200, editable=False)
    aesoc = models.CharField(_("system organ class"), max_length=120, editable=False)
    aetoxgr = models.PositiveSmallIntegerField(
        null=True, verbose_name=_("CTCAE grade"), choices=[(g, str(g)) for g in range(1, 6)]
    )
    aestdat = models.DateField(null=True, verbose_name=_("start date"))
    aeongo = models.BooleanField(_("ongoing"), default=False)
    aeendat = models.DateField(null=True, verbose_name=_("end date"), blank=True)
    aeser = models.BooleanField(_("serious"), default=False)
    locals().update(
        {code: models.BooleanField(label, default=False) for code, label in SERIOUS_CRITERIA}
    )
    locals().update(_drug_fields())
    aeout = models.CharField(_("outcome"), max_length=16, choices=AeOutcome)

    class Meta(Crf.Meta):
        verbose_name = _("adverse event")
        verbose_name_plural = _("adverse events")
        constraints = [
            models.CheckConstraint(
                condition=Q(aeendat__isnull=True) | Q(aeendat__gte=models.F("aestdat")),
                name="ae_end_not_before_start",
            ),
        ]


class Route(models.TextChoices):
    ORAL = "oral", _("Oral")
    IV = "iv", _("Intravenous")
    SC = "sc", _("Subcutaneous")
    IM = "im", _("Intramuscular")
    TOPICAL = "topical", _("Topical")
    OTHER = "other", _("Other")


class ConcomitantMedication(Crf):
    FORM_CODE = "concomitant_medication"
    REPEATING = True
    CDASH = {
        "cmtrt": "CMTRT",
        "cmindc": "CMINDC",
        "cmdstxt": "CMDSTXT",
        "cmroute": "CMROUTE",
        "cmstdat": "CMSTDAT",
        "cmendat": "CMENDAT",
        "cmongo": "CMONGO",
    }
    SECTIONS = (
        (_("Medication"), ("cmtrt", "cmindc", "cmdstxt", "cmroute")),
        (_("Dates"), ("cmstdat", "cmongo", "cmendat")),
    )

    cmtrt = models.CharField(_("medication"), max_length=200)
    cmindc = models.CharField(_("indication"), max_length=200)
    cmdstxt = models.CharField(_("dose and frequency"), max_length=100, blank=True)
    cmroute = models.CharField(_("route"), max_length=8, choices=Route)
    cmstdat = models.DateField(null=True, verbose_name=_("start date"))
    cmongo = models.BooleanField(_("ongoing"), default=False)
    cmendat = models.DateField(null=True, verbose_name=_("end date"), blank=True)

    class Meta(Crf.Meta):
        verbose_name = _("concomitant medication")
        verbose_name_plural = _("concomitant medications")
