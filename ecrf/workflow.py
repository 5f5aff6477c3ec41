"""The form workflow: the one table of the steps a case report form takes.

    not started -> draft -> complete -> verified -> signed -> locked
                         (a change to a completed form drops it back to complete)

Each step says from which states it is taken, to which state it leads, and which action of
trial/access.py the user's role must allow at the form's site. The services refuse a step
the table does not allow (ecrf/services/); the form page offers exactly the steps the table
allows the user now, and its template shows what the table says about each.

A form withdrawn as entered in error takes no step; a patient withdrawn as entered in error
gets no data entered, though their forms may still be verified, signed and locked.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from trial import access
from trial.access import Action

from .models.base import FormStatus
from .signatures import MEANING, MEANINGS

# The state of a form not entered yet, as the casebook names it.
NOT_STARTED = "not_started"
# Where unlocking leads: the state the form had before it was locked, from its history.
STATE_BEFORE_LOCK = "before_lock"
# Where withdrawing leads: the form keeps its state and is marked entered in error.
ENTERED_IN_ERROR = "entered_in_error"


class Refusal(StrEnum):
    """Why a step cannot be taken on a form now."""

    FORM_WITHDRAWN = "form_withdrawn"
    PATIENT_WITHDRAWN = "patient_withdrawn"
    LOCKED = "locked"
    NOT_NOW = "not_now"


@dataclass(frozen=True)
class Step:
    name: str  # what the form page posts
    action: Action  # what the user's role must allow at the form's site
    from_states: tuple[str, ...]
    to_state: str
    label: str  # the button
    enters_data: bool = False  # refused for a patient withdrawn as entered in error
    needs_reason: bool = False  # a reason the user types, kept in the form's history
    reason_missing: str = ""  # what the page says when the reason is left out
    needs_password: bool = False  # re-entering the password is the act (the e-signature)
    history_reason: str = ""  # the form's history says this when the user types no reason
    intro: str = ""  # what the page says above the button
    folded: str = ""  # a rare step is shown folded under this line
    done: str = ""  # what the page says once the step is taken
    button: str = "btn-primary"

    def __str__(self):
        return self.name


DONE = (FormStatus.COMPLETE, FormStatus.VERIFIED, FormStatus.SIGNED)

# Data entry: the buttons of the form itself.
DRAFT = Step(
    "draft",
    Action.ENTER,
    from_states=(NOT_STARTED, FormStatus.DRAFT),
    to_state=FormStatus.DRAFT,
    label=_("Save draft"),
    enters_data=True,
    history_reason="Draft saved",
    button="btn-outline-primary",
)
COMPLETE = Step(
    "complete",
    Action.ENTER,
    from_states=(NOT_STARTED, FormStatus.DRAFT),
    to_state=FormStatus.COMPLETE,
    label=_("Mark complete"),
    enters_data=True,
    history_reason="Marked complete",
)
CHANGE = Step(
    "change",
    Action.ENTER,
    from_states=DONE,
    to_state=FormStatus.COMPLETE,
    label=_("Save changes"),
    enters_data=True,
    needs_reason=True,
    reason_missing=_("Give a reason for changing a completed form."),
)
# The steps beside the form, one small form each.
VERIFY = Step(
    "verify",
    Action.VERIFY,
    from_states=(FormStatus.COMPLETE,),
    to_state=FormStatus.VERIFIED,
    label=_("Source verified"),
    history_reason="Source data verified",
    intro=_("You compared every item with the source documents."),
    done=_("Source data verified."),
    button="btn-success",
)
SIGN = Step(
    "sign",
    Action.SIGN,
    from_states=(FormStatus.COMPLETE, FormStatus.VERIFIED),
    to_state=FormStatus.SIGNED,
    label=_("Sign"),
    needs_password=True,
    history_reason="Signed by investigator",
    intro=MEANINGS[MEANING],  # the meaning of the signature, read before the password
    done=_("Form signed."),
)
LOCK = Step(
    "lock",
    Action.LOCK,
    from_states=DONE,
    to_state=FormStatus.LOCKED,
    label=_("Lock"),
    history_reason="Locked",
    intro=_("Locking freezes the form; only a data manager can unlock it, with a reason."),
    done=_("Form locked."),
    button="btn-dark",
)
UNLOCK = Step(
    "unlock",
    Action.LOCK,
    from_states=(FormStatus.LOCKED,),
    to_state=STATE_BEFORE_LOCK,
    label=_("Unlock with reason"),
    needs_reason=True,
    reason_missing=_("Give a reason for unlocking the form."),
    done=_("Form unlocked."),
    button="btn-outline-dark",
)
WITHDRAW = Step(
    "withdraw",
    Action.ENTER,
    from_states=(FormStatus.DRAFT, *DONE),
    to_state=ENTERED_IN_ERROR,
    label=_("Withdraw as entered in error"),
    needs_reason=True,
    reason_missing=_("Give a reason for withdrawing the form."),
    intro=_(
        "Withdraw a form entered for the wrong patient or twice. It is not deleted: it stays "
        "in the history, read-only, and leaves the dataset."
    ),
    folded=_("Entered in error?"),
    done=_("Form withdrawn as entered in error; it stays in the casebook's history."),
    button="btn-outline-danger btn-sm",
)

ENTRY_STEPS = (DRAFT, COMPLETE, CHANGE)
TRANSITIONS = (VERIFY, SIGN, LOCK, UNLOCK, WITHDRAW)
STEPS = ENTRY_STEPS + TRANSITIONS
TRANSITIONS_BY_NAME = {step.name: step for step in TRANSITIONS}


def state_of(crf) -> str:
    return crf.status if crf is not None else NOT_STARTED


def refusal(step: Step, state: str, *, form_withdrawn=False, patient_withdrawn=False):
    """Why the step cannot be taken on a form in this state; None when it can."""
    if form_withdrawn:
        return Refusal.FORM_WITHDRAWN
    if patient_withdrawn and step.enters_data:
        return Refusal.PATIENT_WITHDRAWN
    if state not in step.from_states:
        return Refusal.LOCKED if state == FormStatus.LOCKED else Refusal.NOT_NOW
    return None


def refusal_for(step: Step, crf, *, patient=None):
    """refusal() for a form (None: the form not entered yet for the patient). A caller that
    has the patient passes it, so that a list of forms does not read it once per form."""
    if patient is None:
        patient = crf.patient
    return refusal(
        step,
        state_of(crf),
        form_withdrawn=crf is not None and crf.entered_in_error,
        patient_withdrawn=patient.entered_in_error,
    )


def entry_step(state: str, *, complete: bool) -> Step:
    """The step a save takes: a change once the form is complete, else draft or complete."""
    if state in CHANGE.from_states:
        return CHANGE
    return COMPLETE if complete else DRAFT


def entry_refusal(crf, *, patient=None):
    """Why no data can be entered on the form now; None when they can."""
    refusals = [refusal_for(step, crf, patient=patient) for step in ENTRY_STEPS]
    if None in refusals:
        return None
    return next((r for r in refusals if r != Refusal.NOT_NOW), Refusal.NOT_NOW)


def steps_open_to(user, crf, *, patient=None, among=STEPS) -> list[Step]:
    """The steps of `among` the user may take on the form now (None: the form not entered
    yet for the patient): the table allows them and the user's role at the site does."""
    site_id = crf.site_id if crf is not None else patient.site_id
    return [
        step
        for step in among
        if refusal_for(step, crf, patient=patient) is None
        and access.can(user, step.action, site_id)
    ]
