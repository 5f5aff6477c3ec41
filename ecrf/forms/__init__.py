"""Forms of the data-entry pages: the CRFs, reasons for change, workflow steps, filters."""

from .crf import CrfForm, display_value, heading
from .generated import crf_form_class
from .workflow import ReasonForChangeForm, SignCasebookForm, SignForm, UnlockForm, WithdrawForm

__all__ = [
    "CrfForm",
    "ReasonForChangeForm",
    "SignCasebookForm",
    "SignForm",
    "UnlockForm",
    "WithdrawForm",
    "crf_form_class",
    "display_value",
    "heading",
]
