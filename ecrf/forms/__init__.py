"""Forms of the data-entry pages: the CRFs, reasons for change, workflow steps, filters."""

from .crf import CrfForm, crf_form_class, display_value, heading
from .workflow import ReasonForChangeForm, SignForm, UnlockForm

__all__ = [
    "CrfForm",
    "ReasonForChangeForm",
    "SignForm",
    "UnlockForm",
    "crf_form_class",
    "display_value",
    "heading",
]
