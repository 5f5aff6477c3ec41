from .base import DONE_STATUSES, Crf, FormStatus, YesNoUnknown
from .baseline import (
    BaselineLabs,
    Consent,
    Demographics,
    Eligibility,
    LiverResection,
    MedicalHistory,
    PerformanceStatus,
    PrimaryTumour,
    VitalSigns,
)
from .ctdna import CtdnaSample
from .outcomes import (
    CeaTest,
    Death,
    EndOfStudy,
    ProtocolDeviation,
    Recurrence,
    SubsequentTherapy,
    SurvivalFollowUp,
    TumourAssessment,
)
from .safety import AdverseEvent, ConcomitantMedication
from .treatment import CapecitabineCycle, EndOfTreatment, FolfoxCycle
from .visits import Visit
from .workflow import CheckFinding, Query

CRF_MODELS: tuple[type[Crf], ...] = (
    Consent,
    Demographics,
    Eligibility,
    MedicalHistory,
    PrimaryTumour,
    LiverResection,
    PerformanceStatus,
    BaselineLabs,
    VitalSigns,
    CtdnaSample,
    FolfoxCycle,
    CapecitabineCycle,
    EndOfTreatment,
    AdverseEvent,
    ConcomitantMedication,
    TumourAssessment,
    CeaTest,
    Recurrence,
    SubsequentTherapy,
    SurvivalFollowUp,
    Death,
    ProtocolDeviation,
    EndOfStudy,
)
FORMS_BY_CODE: dict[str, type[Crf]] = {model.FORM_CODE: model for model in CRF_MODELS}

__all__ = [
    "CRF_MODELS",
    "DONE_STATUSES",
    "FORMS_BY_CODE",
    "AdverseEvent",
    "BaselineLabs",
    "CapecitabineCycle",
    "CeaTest",
    "CheckFinding",
    "ConcomitantMedication",
    "Consent",
    "Crf",
    "CtdnaSample",
    "Death",
    "Demographics",
    "Eligibility",
    "EndOfStudy",
    "EndOfTreatment",
    "FolfoxCycle",
    "FormStatus",
    "LiverResection",
    "MedicalHistory",
    "PerformanceStatus",
    "PrimaryTumour",
    "ProtocolDeviation",
    "Query",
    "Recurrence",
    "SubsequentTherapy",
    "SurvivalFollowUp",
    "TumourAssessment",
    "Visit",
    "VitalSigns",
    "YesNoUnknown",
]
