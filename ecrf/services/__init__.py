"""Writes to case report forms: every change goes through here with who and why.

A form's life: draft -> complete -> verified (monitor) -> signed (investigator) -> locked
(data manager); the steps and who takes them are in ecrf.workflow. A query's life: open ->
answered -> closed, re-opened when an answer does not settle it.

  errors        the refusals a page shows (Conflict, FormLocked, InvalidData, ...)
  data_entry    crf_create, crf_save: a form entered, completed, changed with a reason
  transitions   verify, sign, lock, unlock, withdraw a form entered in error
  signatures    the signing act, the signing lockout, the signature record and its check
  casebook      signing a patient's whole casebook
  findings      edit-check findings recorded on save, explained by the site
  queries       data queries raised, answered, closed and re-opened
  visits        unscheduled visits
  withdrawal    a patient registered by mistake
"""

from .casebook import casebook_refusal, sign_casebook
from .data_entry import crf_create, crf_save
from .errors import (
    WITHDRAWN_FORM,
    WITHDRAWN_PATIENT,
    Conflict,
    CrfError,
    FormLocked,
    InvalidData,
    TransitionRefused,
)
from .findings import explain_finding
from .queries import (
    answer_query,
    close_query,
    query_form,
    query_refusal,
    raise_query,
    reopen_query,
)
from .signatures import (
    SigningLocked,
    current_signature,
    signature_matches,
    signing_locked_message,
    signing_locked_until,
)
from .transitions import (
    crf_lock,
    crf_mark_entered_in_error,
    crf_sign,
    crf_unlock,
    crf_verify,
    take_step,
)
from .visits import add_unscheduled_visit, unscheduled_visit_problems
from .withdrawal import withdraw_patient

__all__ = [
    "WITHDRAWN_FORM",
    "WITHDRAWN_PATIENT",
    "Conflict",
    "CrfError",
    "FormLocked",
    "InvalidData",
    "SigningLocked",
    "TransitionRefused",
    "add_unscheduled_visit",
    "answer_query",
    "casebook_refusal",
    "close_query",
    "crf_create",
    "crf_lock",
    "crf_mark_entered_in_error",
    "crf_save",
    "crf_sign",
    "crf_unlock",
    "crf_verify",
    "current_signature",
    "explain_finding",
    "query_form",
    "query_refusal",
    "raise_query",
    "reopen_query",
    "sign_casebook",
    "signature_matches",
    "signing_locked_message",
    "signing_locked_until",
    "take_step",
    "unscheduled_visit_problems",
    "withdraw_patient",
]
