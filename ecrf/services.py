"""Writes to case report forms: every change goes through here with who and why.

A form's life: draft -> complete -> verified (monitor) -> signed (investigator) -> locked
(data manager). Changing a completed form needs a reason and drops it back to complete,
clearing verification and signature (the history keeps them). Every save checks the
version the user loaded, so nobody silently overwrites anybody.

A query's life: open (raised by a monitor or data manager) -> answered (by the site) ->
closed (by a monitor or data manager); an answer that does not settle it re-opens it with
a new question. Each round stays in the query's history.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from trial import access, protocol
from trial.access import Action
from trial.accesslog import log_access
from trial.history import record_save
from trial.models import AccessAction, Patient
from trial.patients import mark_patient_entered_in_error

from . import checks, derivations, patient_state
from .models import Crf, FormStatus, Visit
from .models.workflow import CheckFinding, FindingStatus, Query, QueryStatus


class CrfError(Exception):
    """Base of the refusals a page shows to the user."""


@dataclass
class Conflict(CrfError):
    """Someone saved the form after the user loaded it."""

    current: Crf

    def __str__(self):
        return _("%(user)s saved this form at %(time)s, after you opened it.") % {
            "user": self.current.updated_by or "?",
            "time": timezone.localtime(self.current.updated_at).strftime("%Y-%m-%d %H:%M"),
        }


@dataclass
class FormLocked(CrfError):
    crf: Crf

    def __str__(self):
        return _("This form was locked by %(user)s on %(time)s; it cannot be changed.") % {
            "user": self.crf.locked_by,
            "time": timezone.localtime(self.crf.locked_at).strftime("%Y-%m-%d %H:%M"),
        }


@dataclass
class InvalidData(CrfError):
    """Hard edit checks, missing required items or a missing reason, by item."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items())


class TransitionRefused(CrfError):
    pass


# Reads that the services share ----------------------------------------------------------


def form_context(patient: Patient, model: type[Crf], values: dict, *, exclude_pk=None):
    """The cross-form facts the edit checks need, gathered from the database."""
    state = patient_state.facts_for(patient)
    previous_date = previous_number = None
    if hasattr(model, "cycle") and values.get("cycle"):
        previous = (
            model.objects.filter(patient=patient, entered_in_error=False, cycle__lt=values["cycle"])
            .exclude(pk=exclude_pk)
            .order_by("-cycle")
            .first()
        )
        if previous:
            previous_date, previous_number = previous.exstdat, previous.cycle
    return checks.FormContext(
        today=patient.site.local_date(),
        consent_date=state.consent_date,
        birth_year=patient.birth_year,
        randomization_date=state.randomization_date,
        arm=state.arm,
        death_date=state.death_date,
        last_contact_date=state.last_contact_date,
        previous_cycle_date=previous_date,
        previous_cycle_number=previous_number,
        first_folfox_date=state.first_folfox_date,
        height_cm=float(state.height_cm) if state.height_cm else None,
    )


def item_values(crf: Crf) -> dict:
    return {f.name: getattr(crf, f.attname) for f in crf.item_fields()}


def missing_required(crf: Crf) -> list[str]:
    """Items a complete form must have; drafts may leave them empty."""
    missing = []
    for f in crf.item_fields():
        if f.editable and not f.blank and getattr(crf, f.attname) in (None, ""):
            missing.append(f.name)
    return missing


def changed_items(before: dict, after: dict) -> list[str]:
    return [name for name, value in after.items() if before.get(name) != value]


def _record_findings(
    crf: Crf, findings: list[checks.Finding], acting_user, *, changed: list[str] = ()
) -> None:
    """Keep one finding per soft check and item; resolve those that no longer fire.

    An explanation stands while its item keeps the value it explained: once the item is
    changed (any item, for a finding on the whole form), the finding is resolved and, if
    the check still fires, a new one asks for an explanation of the new value.
    """
    form_type = ContentType.objects.get_for_model(crf)
    existing = {
        (f.check_id, f.field_name): f
        for f in CheckFinding.objects.filter(
            form_type=form_type,
            form_id=crf.pk,
            status__in=(FindingStatus.OPEN, FindingStatus.EXPLAINED),
        ).order_by("created_at")
    }
    stale = {
        key
        for key, f in existing.items()
        if changed
        and f.status == FindingStatus.EXPLAINED
        and (not f.field_name or f.field_name in changed)
    }
    fired = set()
    for finding in findings:
        key = (finding.check_id, finding.field)
        fired.add(key)
        if key not in existing or key in stale:
            record_save(
                CheckFinding(
                    patient=crf.patient,
                    site=crf.site,
                    form_type=form_type,
                    form_id=crf.pk,
                    field_name=finding.field,
                    check_id=finding.check_id,
                    message=finding.message[:400],
                ),
                acting_user=acting_user,
                reason="Edit check fired",
            )
    for key, old in existing.items():
        if key not in fired:
            old.status = FindingStatus.RESOLVED
            record_save(old, acting_user=acting_user, reason="Edit check no longer fires")
        elif key in stale:
            old.status = FindingStatus.RESOLVED
            record_save(old, acting_user=acting_user, reason="Explained value changed")


def _validate(crf: Crf, *, complete: bool, acting_user) -> list[checks.Finding]:
    """Derive, then run the checks: hard findings raise, soft ones are returned."""
    ctx = form_context(crf.patient, type(crf), item_values(crf), exclude_pk=crf.pk)
    derivations.derive(crf, height_cm=ctx.height_cm)
    findings = checks.check_form(crf.FORM_CODE, item_values(crf), ctx)
    errors: dict[str, list[str]] = {}
    for finding in findings:
        if finding.hard:
            errors.setdefault(finding.field or "__all__", []).append(finding.message)
    if complete:
        for name in missing_required(crf):
            errors.setdefault(name, []).append(_("Required to mark the form complete."))
    if errors:
        raise InvalidData(errors)
    return [f for f in findings if not f.hard]


def _apply(crf: Crf, data: dict) -> None:
    editable = {f.name: f for f in crf.item_fields() if f.editable}
    for name, value in data.items():
        if name not in editable:
            raise InvalidData({name: [_("This item cannot be entered on this form.")]})
        setattr(crf, editable[name].attname, value)


# Writes ---------------------------------------------------------------------------------


@transaction.atomic
def crf_create(
    *,
    model: type[Crf],
    patient: Patient,
    data: dict,
    acting_user,
    visit: Visit | None = None,
    complete: bool = False,
) -> Crf:
    """Start a form for a patient (and visit), as a draft or straight to complete."""
    access.require(acting_user, Action.ENTER, patient.site_id)
    if patient.entered_in_error:
        raise InvalidData({"__all__": [str(WITHDRAWN_PATIENT)]})
    if visit is not None and visit.patient_id != patient.pk:
        raise InvalidData({"visit": [_("This visit belongs to another patient.")]})
    if not model.REPEATING and _existing(model, patient, visit).exists():
        raise InvalidData({"__all__": [_("This form already exists for this visit.")]})
    crf = model(patient=patient, site=patient.site, visit=visit, created_by=acting_user)
    _apply(crf, data)
    soft = _validate(crf, complete=complete, acting_user=acting_user)
    crf.status = FormStatus.COMPLETE if complete else FormStatus.DRAFT
    crf.updated_by = acting_user
    record_save(crf, acting_user=acting_user, reason="Form created")
    if complete:
        _record_findings(crf, soft, acting_user)
    patient_state.refresh_after(crf, acting_user=acting_user)
    return crf


WITHDRAWN_PATIENT = _lazy(
    "This patient was withdrawn as entered in error; no data are entered for them."
)
WITHDRAWN_FORM = _lazy("This form was withdrawn as entered in error; it is kept for the record.")


def _existing(model, patient, visit):
    return model.objects.filter(patient=patient, visit=visit, entered_in_error=False)


def _lock_for_update(crf: Crf, *, loaded_version: int | None) -> Crf:
    fresh = type(crf).objects.select_for_update().select_related("patient", "site").get(pk=crf.pk)
    if fresh.status == FormStatus.LOCKED:
        raise FormLocked(fresh)
    if loaded_version is not None and fresh.version != loaded_version:
        raise Conflict(fresh)
    return fresh


@transaction.atomic
def crf_save(
    *,
    crf: Crf,
    data: dict,
    acting_user,
    loaded_version: int,
    reason: str = "",
    complete: bool = False,
) -> Crf:
    """Save a user's changes to a form.

    Raises Conflict if someone saved since loaded_version, FormLocked if locked,
    InvalidData for hard checks, missing items, or a missing reason for change.
    A save that changes nothing leaves the form and its history untouched.
    """
    access.require(acting_user, Action.ENTER, crf.site_id)
    fresh = _lock_for_update(crf, loaded_version=loaded_version)
    if fresh.entered_in_error or fresh.patient.entered_in_error:
        raise InvalidData(
            {"__all__": [str(WITHDRAWN_FORM if fresh.entered_in_error else WITHDRAWN_PATIENT)]}
        )
    before = item_values(fresh)
    was_done = fresh.is_done
    _apply(fresh, data)
    soft = _validate(fresh, complete=complete or was_done, acting_user=acting_user)
    changed = changed_items(before, item_values(fresh))
    new_status = FormStatus.COMPLETE if (complete or was_done) else FormStatus.DRAFT
    if not changed and new_status == fresh.status:
        return fresh
    if was_done and changed and not reason.strip():
        raise InvalidData({"reason": [_("Give a reason for changing a completed form.")]})
    if was_done and changed:
        fresh.verified_at = fresh.verified_by = None
        fresh.signed_at = fresh.signed_by = None
    fresh.status = new_status
    fresh.version += 1
    fresh.updated_by = acting_user
    default_reason = "Marked complete" if complete and not was_done else "Draft saved"
    record_save(fresh, acting_user=acting_user, reason=reason.strip() or default_reason)
    if fresh.is_done:
        _record_findings(fresh, soft, acting_user, changed=changed)
    patient_state.refresh_after(fresh, acting_user=acting_user)
    return fresh


def _transition(crf, *, action, acting_user, loaded_version, allowed_from, reason, **changes):
    access.require(acting_user, action, crf.site_id)
    fresh = _lock_for_update(crf, loaded_version=loaded_version)
    if fresh.status not in allowed_from:
        raise TransitionRefused(
            _("This form is %(status)s; that step is not possible now.")
            % {"status": fresh.get_status_display().lower()}
        )
    for name, value in changes.items():
        setattr(fresh, name, value)
    fresh.version += 1
    record_save(fresh, acting_user=acting_user, reason=reason)
    return fresh


@transaction.atomic
def crf_verify(*, crf: Crf, acting_user, loaded_version: int | None = None) -> Crf:
    """A monitor confirms the form matches the source documents."""
    return _transition(
        crf,
        action=Action.VERIFY,
        acting_user=acting_user,
        loaded_version=loaded_version,
        allowed_from=(FormStatus.COMPLETE,),
        reason="Source data verified",
        status=FormStatus.VERIFIED,
        verified_at=timezone.now(),
        verified_by=acting_user,
    )


def crf_sign(
    *, crf: Crf, acting_user, password: str, loaded_version: int | None = None, request=None
) -> Crf:
    """The investigator's e-signature: re-entering the password is the signature act.

    The signature is recorded in the form's history and in the access log (with the
    request's address when given); so is an attempt with a wrong password, outside the
    signature's transaction so that the refusal does not take the record with it.
    """
    if not acting_user.check_password(password):
        log_access(
            action=AccessAction.SIGNATURE_FAILED,
            user=acting_user,
            request=request,
            detail=f"{crf.patient.subject_id} {crf.FORM_CODE} #{crf.pk}: wrong password.",
            site=crf.site,
        )
        raise InvalidData({"password": [_("The password is not correct; nothing was signed.")]})
    return _sign(crf, acting_user=acting_user, loaded_version=loaded_version, request=request)


@transaction.atomic
def _sign(crf: Crf, *, acting_user, loaded_version: int | None, request) -> Crf:
    signed = _transition(
        crf,
        action=Action.SIGN,
        acting_user=acting_user,
        loaded_version=loaded_version,
        allowed_from=(FormStatus.COMPLETE, FormStatus.VERIFIED),
        reason="Signed by investigator",
        status=FormStatus.SIGNED,
        signed_at=timezone.now(),
        signed_by=acting_user,
    )
    log_access(
        action=AccessAction.SIGNATURE,
        user=acting_user,
        request=request,
        detail=(
            f"{signed.patient.subject_id} {signed.FORM_CODE} #{signed.pk} "
            f"version {signed.version} signed."
        ),
        site=signed.site,
    )
    return signed


@transaction.atomic
def crf_lock(*, crf: Crf, acting_user, loaded_version: int | None = None) -> Crf:
    """A data manager freezes a clean form."""
    return _transition(
        crf,
        action=Action.LOCK,
        acting_user=acting_user,
        loaded_version=loaded_version,
        allowed_from=(FormStatus.COMPLETE, FormStatus.VERIFIED, FormStatus.SIGNED),
        reason="Locked",
        status=FormStatus.LOCKED,
        locked_at=timezone.now(),
        locked_by=acting_user,
    )


@transaction.atomic
def crf_unlock(*, crf: Crf, acting_user, reason: str) -> Crf:
    """A data manager reopens a locked form; the reason is required and kept."""
    access.require(acting_user, Action.LOCK, crf.site_id)
    if not reason.strip():
        raise InvalidData({"reason": [_("Give a reason for unlocking the form.")]})
    fresh = type(crf).objects.select_for_update().get(pk=crf.pk)
    if fresh.status != FormStatus.LOCKED:
        raise TransitionRefused(_("This form is not locked."))
    previous = fresh.history.filter(status__in=[s for s in FormStatus if s != "locked"]).first()
    fresh.status = previous.status if previous else FormStatus.COMPLETE
    fresh.locked_at = fresh.locked_by = None
    fresh.version += 1
    record_save(fresh, acting_user=acting_user, reason=reason.strip())
    return fresh


@transaction.atomic
def crf_mark_entered_in_error(*, crf: Crf, acting_user, reason: str) -> Crf:
    """Withdraw a form entered by mistake; it stays in the database and the trail."""
    access.require(acting_user, Action.ENTER, crf.site_id)
    if not reason.strip():
        raise InvalidData({"reason": [_("Give a reason for withdrawing the form.")]})
    fresh = type(crf).objects.select_for_update().get(pk=crf.pk)
    if fresh.status == FormStatus.LOCKED:
        raise FormLocked(fresh)
    if fresh.entered_in_error:
        raise TransitionRefused(_("This form was already withdrawn as entered in error."))
    fresh.entered_in_error = True
    fresh.version += 1
    record_save(fresh, acting_user=acting_user, reason=reason.strip())
    _close_queries_of_withdrawn_form(fresh, acting_user=acting_user, reason=reason.strip())
    patient_state.refresh_after(fresh, acting_user=acting_user)
    return fresh


@transaction.atomic
def explain_finding(*, finding: CheckFinding, acting_user, explanation: str) -> CheckFinding:
    """Site staff say why an unusual value is right; the explanation stands until the
    item is changed. An explanation may be corrected; a resolved finding needs none."""
    access.require(acting_user, Action.ENTER, finding.site_id)
    fresh = CheckFinding.objects.select_for_update().get(pk=finding.pk)
    if fresh.status == FindingStatus.RESOLVED:
        raise TransitionRefused(_("This edit check no longer fires; there is nothing to explain."))
    explanation = explanation.strip()
    if not explanation:
        raise InvalidData({"explanation": [_("Give the explanation.")]})
    _within(explanation, "explanation", CheckFinding)
    fresh.explanation = explanation
    fresh.status = FindingStatus.EXPLAINED
    return record_save(fresh, acting_user=acting_user, reason="Finding explained")


def _within(text: str, name: str, model) -> None:
    limit = model._meta.get_field(name).max_length
    if limit and len(text) > limit:
        raise InvalidData({name: [_("Keep it within %(limit)d characters.") % {"limit": limit}]})


@transaction.atomic
def add_unscheduled_visit(
    *,
    patient: Patient,
    visit_date: date,
    acting_user,
    reason: str,
    expected_forms: Sequence[str] = (),
) -> Visit:
    """An extra visit outside the schedule, numbered UNS01, UNS02, ..., at which the chosen
    forms (among protocol.UNSCHEDULED_FORMS) are expected."""
    access.require(acting_user, Action.ENTER, patient.site_id)
    patient = Patient.objects.select_for_update().select_related("site").get(pk=patient.pk)
    reason = reason.strip()
    problems = unscheduled_visit_problems(
        patient, visit_date=visit_date, reason=reason, expected_forms=expected_forms
    )
    if problems:
        raise InvalidData(problems)
    number = Visit.objects.filter(patient=patient, unscheduled=True).count() + 1
    visit = Visit(
        patient=patient,
        site=patient.site,
        code=f"UNS{number:02d}",
        name=_("Unscheduled visit %(n)d") % {"n": number},
        phase="any",
        sequence=10_000 + number,
        target_date=visit_date,
        window_start=visit_date,
        window_end=visit_date,
        visit_date=visit_date,
        unscheduled=True,
        expected_forms=list(expected_forms),
    )
    return record_save(visit, acting_user=acting_user, reason=reason)


def unscheduled_visit_problems(
    patient, *, visit_date, reason, expected_forms
) -> dict[str, list[str]]:
    """What is wrong with an unscheduled visit, item by item; empty when nothing is."""
    problems: dict[str, list[str]] = {}
    facts = patient_state.facts_for(patient)
    today = patient.site.local_date()
    if patient.entered_in_error:
        problems["__all__"] = [_("This patient was withdrawn as entered in error.")]
    if visit_date > today:
        problems["visit_date"] = [
            _("The date %(date)s is after today (%(today)s).")
            % {"date": visit_date.isoformat(), "today": today.isoformat()}
        ]
    elif facts.consent_date and visit_date < facts.consent_date:
        problems["visit_date"] = [
            _("The visit (%(date)s) is before informed consent (%(consent)s).")
            % {"date": visit_date.isoformat(), "consent": facts.consent_date.isoformat()}
        ]
    elif facts.death_date and visit_date > facts.death_date:
        problems["visit_date"] = [
            _("The visit (%(date)s) is after the patient's death (%(death)s).")
            % {"date": visit_date.isoformat(), "death": facts.death_date.isoformat()}
        ]
    if not reason:
        problems["reason"] = [_("Give the reason for the visit.")]
    unknown = [code for code in expected_forms if code not in protocol.UNSCHEDULED_FORMS]
    if unknown:
        problems["expected_forms"] = [
            _("These forms are not entered at unscheduled visits: %(forms)s.")
            % {"forms": ", ".join(unknown)}
        ]
    return problems


# Queries --------------------------------------------------------------------------------


def query_refusal(crf: Crf) -> str:
    """Why no query can be raised on this form now; "" when one can."""
    if crf.patient.entered_in_error:
        return _("This patient was withdrawn as entered in error; their forms take no queries.")
    if crf.entered_in_error:
        return _("This form was withdrawn as entered in error; it takes no queries.")
    if crf.status == FormStatus.LOCKED:
        return _("This form is locked; a data manager unlocks it before a query is raised.")
    return ""


def query_form(query: Query) -> Crf:
    """The form a query asks about."""
    model = query.form_type.model_class()
    return model.objects.select_related("patient").get(pk=query.form_id)


def _query_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidData({"text": [_("Write the question for the site.")]})
    return text


def _lock_query(query: Query) -> Query:
    return Query.objects.select_for_update().get(pk=query.pk)


@transaction.atomic
def raise_query(*, crf: Crf, field_name: str, text: str, acting_user) -> Query:
    """A monitor or data manager asks the site about one item of a form (blank: the whole
    form). Refused on a form or patient entered in error, and on a locked form."""
    access.require(acting_user, Action.QUERY, crf.site_id)
    fresh = type(crf).objects.select_for_update(of=("self",)).select_related("patient")
    fresh = fresh.get(pk=crf.pk)
    refusal = query_refusal(fresh)
    if refusal:
        raise TransitionRefused(refusal)
    errors: dict[str, list[str]] = {}
    field_name = (field_name or "").strip()
    if field_name and field_name not in {f.name for f in fresh.item_fields()}:
        errors["field_name"] = [_("Choose an item of this form, or the whole form.")]
    try:
        text = _query_text(text)
    except InvalidData as refused:
        errors.update(refused.errors)
    if errors:
        raise InvalidData(errors)
    query = Query(
        patient=fresh.patient,
        site=fresh.site,
        form_type=ContentType.objects.get_for_model(fresh),
        form_id=fresh.pk,
        field_name=field_name,
        text=text,
        raised_by=acting_user,
    )
    return record_save(query, acting_user=acting_user, reason="Query raised")


@transaction.atomic
def answer_query(*, query: Query, answer: str, acting_user) -> Query:
    """An investigator or coordinator answers an open query; it waits for the monitor."""
    access.require(acting_user, Action.ANSWER, query.site_id)
    fresh = _lock_query(query)
    if fresh.status != QueryStatus.OPEN:
        raise TransitionRefused(
            _("This query is %(status)s; only an open query can be answered.")
            % {"status": fresh.get_status_display().lower()}
        )
    answer = answer.strip()
    if not answer:
        raise InvalidData({"answer": [_("Write the answer.")]})
    fresh.answer = answer
    fresh.status = QueryStatus.ANSWERED
    fresh.answered_by = acting_user
    fresh.answered_at = timezone.now()
    return record_save(fresh, acting_user=acting_user, reason="Query answered")


@transaction.atomic
def close_query(*, query: Query, acting_user, note: str = "") -> Query:
    """A monitor or data manager accepts the answer. Closing a query nobody answered
    needs a note saying why."""
    access.require(acting_user, Action.QUERY, query.site_id)
    fresh = _lock_query(query)
    if fresh.status == QueryStatus.CLOSED:
        raise TransitionRefused(_("This query is already closed."))
    note = note.strip()
    if fresh.status == QueryStatus.OPEN and not note:
        raise InvalidData({"note": [_("Say why the query is closed without an answer.")]})
    _within(note, "close_note", Query)
    fresh.status = QueryStatus.CLOSED
    fresh.closed_by = acting_user
    fresh.closed_at = timezone.now()
    fresh.close_note = note
    return record_save(fresh, acting_user=acting_user, reason="Query closed")


@transaction.atomic
def reopen_query(*, query: Query, text: str, acting_user) -> Query:
    """An answer did not settle it: the query is open again with a new question. The
    earlier question and answer stay in the query's history."""
    access.require(acting_user, Action.QUERY, query.site_id)
    fresh = _lock_query(query)
    if fresh.status == QueryStatus.OPEN:
        raise TransitionRefused(_("This query is already open."))
    refusal = query_refusal(query_form(fresh))
    if refusal:
        raise TransitionRefused(refusal)
    fresh.text = _query_text(text)
    fresh.status = QueryStatus.OPEN
    fresh.answer = ""
    fresh.answered_by = fresh.answered_at = None
    fresh.closed_by = fresh.closed_at = None
    fresh.close_note = ""
    return record_save(fresh, acting_user=acting_user, reason="Query re-opened")


def _close_queries_of_withdrawn_form(crf: Crf, *, acting_user, reason: str) -> None:
    """A form entered in error has nothing left to query: its queries close with it."""
    pending = Query.objects.filter(form_type=ContentType.objects.get_for_model(crf), form_id=crf.pk)
    _close_all(
        pending,
        acting_user=acting_user,
        note=f"Form entered in error: {reason}",
        reason="Form entered in error",
    )


def _close_all(queries, *, acting_user, note: str, reason: str) -> None:
    for query in queries.select_for_update().exclude(status=QueryStatus.CLOSED):
        query.status = QueryStatus.CLOSED
        query.closed_by = acting_user
        query.closed_at = timezone.now()
        query.close_note = note[:400]
        record_save(query, acting_user=acting_user, reason=reason)


@transaction.atomic
def withdraw_patient(*, patient: Patient, acting_user, reason: str) -> Patient:
    """A patient registered by mistake is marked entered in error (trial.patients) and the
    queries on their forms close with the reason: nobody is left to answer them."""
    withdrawn = mark_patient_entered_in_error(
        patient=patient, acting_user=acting_user, reason=reason
    )
    _close_all(
        Query.objects.filter(patient=withdrawn),
        acting_user=acting_user,
        note=f"Patient entered in error: {reason.strip()}",
        reason="Patient entered in error",
    )
    return withdrawn
