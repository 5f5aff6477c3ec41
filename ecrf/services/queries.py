"""Data queries on a form's items.

A query's life: open (raised by a monitor or data manager) -> answered (by the site) ->
closed (by a monitor or data manager); an answer that does not settle it re-opens it with
a new question. Each round stays in the query's history.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trial import access
from trial.access import Action
from trial.history import record_save

from ..models import Crf, FormStatus
from ..models.workflow import Query, QueryStatus
from .errors import InvalidData, TransitionRefused, require_within


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
        form=fresh,
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
    require_within(note, "close_note", Query)
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


def close_queries_of_withdrawn_form(crf: Crf, *, acting_user, reason: str) -> None:
    """A form entered in error has nothing left to query: its queries close with it."""
    close_all(
        Query.objects.for_form(crf),
        acting_user=acting_user,
        note=f"Form entered in error: {reason}",
        reason="Form entered in error",
    )


def close_all(queries, *, acting_user, note: str, reason: str) -> None:
    for query in queries.select_for_update().exclude(status=QueryStatus.CLOSED):
        query.status = QueryStatus.CLOSED
        query.closed_by = acting_user
        query.closed_at = timezone.now()
        query.close_note = note[:400]
        record_save(query, acting_user=acting_user, reason=reason)
