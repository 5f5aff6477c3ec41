"""Reads over visits, forms and data queries: expected, missing and overdue are database
queries, not typing; a form's data queries come with their earlier rounds."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from trial import access, protocol

from .models import DONE_STATUSES, FORMS_BY_CODE, Query, Visit
from .models.workflow import QueryStatus


def visit_codes_expecting(form_code: str) -> list[str]:
    return [v.code for v in protocol.VISITS if form_code in v.forms]


SCHEDULED_FORMS = sorted({code for v in protocol.VISITS for code in v.forms})


def _done_in_visit(form_code: str) -> Exists:
    model = FORMS_BY_CODE[form_code]
    return Exists(
        model.objects.filter(visit=OuterRef("pk"), entered_in_error=False, status__in=DONE_STATUSES)
    )


def missing_forms_condition() -> Q:
    """True for a visit that the protocol expects a form at and where it is not done."""
    any_missing = Q(pk__in=[])
    for form_code in SCHEDULED_FORMS:
        any_missing |= Q(code__in=visit_codes_expecting(form_code), unscheduled=False) & ~Q(
            _done_in_visit(form_code)
        )
    return Q(applicable=True) & any_missing


def with_visit_state(visits: QuerySet[Visit], *, today: date) -> QuerySet[Visit]:
    """Annotate forms_missing and overdue (window closed with a form missing)."""
    missing = missing_forms_condition()
    return visits.annotate(
        forms_missing=Case(
            When(missing, then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        overdue=Case(
            When(missing & overdue_window(today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def overdue_window(today: date) -> Q:
    return Q(applicable=True, window_end__lt=today, not_done_reason="")


def overdue_visits(visits: QuerySet[Visit], *, today: date) -> QuerySet[Visit]:
    return visits.filter(overdue_window(today)).filter(missing_forms_condition())


def expected_visits(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    return visits.filter(applicable=True)


def has_overdue_visit(*, today: date) -> Exists:
    """For annotating patients: any overdue visit."""
    return Exists(overdue_visits(Visit.objects.filter(patient=OuterRef("pk")), today=today))


def next_expected_visit(patient, *, today: date) -> Visit | None:
    """The first expected visit whose window has not closed and whose forms are not done."""
    return (
        with_visit_state(Visit.objects.filter(patient=patient, applicable=True), today=today)
        .filter(forms_missing=True)
        .filter(Q(window_end__gte=today) | Q(window_end=None))
        .order_by("sequence", "target_date")
        .first()
    )


# Data queries ---------------------------------------------------------------------------

# Waiting for the site, then waiting for the monitor, then done.
QUERY_RANK = Case(
    When(status=QueryStatus.OPEN, then=Value(0)),
    When(status=QueryStatus.ANSWERED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class QueryRound:
    """A question and the answer it got, before the query was re-opened."""

    text: str
    answer: str
    answered_by: object
    answered_at: datetime | None
    reopened_by: object
    reopened_at: datetime


def queries_for(user) -> QuerySet[Query]:
    """The queries of the user's sites, of patients not entered in error, ranked."""
    return (
        access.scope(Query.objects.filter(patient__entered_in_error=False), user)
        .select_related("patient", "site", "raised_by", "answered_by", "closed_by")
        .annotate(rank=QUERY_RANK)
    )


def form_queries(user, crf) -> list[Query]:
    """A form's queries, open and answered first, each with its earlier_rounds."""
    queries = list(
        access.scope(
            Query.objects.filter(form_type=ContentType.objects.get_for_model(crf), form_id=crf.pk),
            user,
        )
        .select_related("raised_by", "answered_by", "closed_by")
        .order_by(QUERY_RANK, "raised_at", "pk")
    )
    rounds = earlier_rounds([q.pk for q in queries])
    for query in queries:
        query.earlier_rounds = rounds.get(query.pk, [])
    return queries


def earlier_rounds(query_ids: list[int]) -> dict[int, list[QueryRound]]:
    """From the queries' history: each question answered or closed, then re-opened."""
    rounds: dict[int, list[QueryRound]] = defaultdict(list)
    if not query_ids:
        return rounds
    previous = {}
    history = (
        Query.history.filter(id__in=query_ids)
        .select_related("answered_by", "history_user")
        .order_by("id", "history_date", "history_id")
    )
    for row in history:
        before = previous.get(row.id)
        reopened = row.status == QueryStatus.OPEN and before and before.status != QueryStatus.OPEN
        if reopened:
            rounds[row.id].append(
                QueryRound(
                    text=before.text,
                    answer=before.answer,
                    answered_by=before.answered_by,
                    answered_at=before.answered_at,
                    reopened_by=row.history_user,
                    reopened_at=row.history_date,
                )
            )
        previous[row.id] = row
    return rounds
