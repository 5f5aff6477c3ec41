"""Sites, the people who work at them, the patients they enrol and their randomization.

One module per concept; every model is imported here, so that Django finds them in the "trial"
app and `from trial.models import Patient` works from anywhere.
"""

from .access_log import AccessAction, AccessLog
from .alerts import AlertKind, DataManagerAlert
from .allocation import (
    AllocationEntry,
    AllocationList,
    AllocationSource,
    AllocationStratum,
    TreatmentArm,
)
from .memberships import Membership, Role
from .patients import Patient, PatientStatus, Sex, SubjectSequence
from .randomization import CorrectionKind, Randomization, RandomizationCorrection
from .sites import Site, zone_named

__all__ = [
    "AccessAction",
    "AccessLog",
    "AlertKind",
    "AllocationEntry",
    "AllocationList",
    "AllocationSource",
    "AllocationStratum",
    "CorrectionKind",
    "DataManagerAlert",
    "Membership",
    "Patient",
    "PatientStatus",
    "Randomization",
    "RandomizationCorrection",
    "Role",
    "Sex",
    "Site",
    "SubjectSequence",
    "TreatmentArm",
    "zone_named",
]
