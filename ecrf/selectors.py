"""Reads over visits, forms and data queries: expected, missing and overdue are database
queries, not typing; a form's data queries come with their earlier rounds; a patient's
casebook reads each form model once, whatever the number of visits."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from trial import access, protocol

from .models import CRF_MODELS, DONE_STATUSES, FORMS_BY_CODE, CheckFinding, Crf, Query, Visit
from .models.workflow import FindingStatus, QueryStatus


def visit_codes_expecting(form_code: str) -> list[str]:
    return [v.code for v in protocol.VISITS if form_code in v.forms]


SCHEDULED_FORMS = sorted({code for v in protocol.VISITS for code in v.forms})


def _done_in_visit(form_code: str) -> Exists:
    model = FORMS_BY_CODE[form_code]
    return Exists(model.objects.live().filter(visit=OuterRef("pk"), status__in=DONE_STATUSES))


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


def visits_of(user, patient, *, today: date) -> list[Visit]:
    """The patient's visits in the order of the schedule, with forms_missing and overdue."""
    visits = access.scope(Visit.objects.filter(patient=patient), user)
    return list(with_visit_state(visits, today=today).order_by("sequence", "target_date", "pk"))


# Forms ----------------------------------------------------------------------------------


def form_models_by_type() -> dict[int, type[Crf]]:
    """CRF model by content type id (from the content type cache after the first call)."""
    return {ct.pk: model for model, ct in ContentType.objects.get_for_models(*CRF_MODELS).items()}


def live_forms(patient) -> dict[str, list[Crf]]:
    """Every form of the patient not entered in error, by form code; one query per model."""
    return {
        model.FORM_CODE: list(
            model.objects.live().filter(patient=patient).select_related("signed_by").order_by("pk")
        )
        for model in CRF_MODELS
    }


def form_instances(user, patient, model: type[Crf]) -> list[Crf]:
    """Every instance of one form of the patient, those entered in error last."""
    return list(
        access.scope(model.objects.filter(patient=patient), user)
        .select_related("visit", "updated_by")
        .order_by("entered_in_error", "visit__sequence", "pk")
    )


def form_findings(user, crf) -> list[CheckFinding]:
    """The form's open and explained edit-check findings."""
    standing = CheckFinding.objects.for_form(crf).filter(
        status__in=(FindingStatus.OPEN, FindingStatus.EXPLAINED)
    )
    return list(access.scope(standing, user))


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
        access.scope(Query.objects.for_form(crf), user)
        .select_related("raised_by", "answered_by", "closed_by")
        .order_by(QUERY_RANK, "raised_at", "pk")
    )
    rounds = earlier_rounds([q.pk for q in queries])
    for query in queries:
        query.earlier_rounds = rounds.get(query.pk, [])
    return queries


def open_query_counts(user, patient) -> dict[tuple[str, int], int]:
    """Queries waiting for the site's answer per form instance, keyed by (form code, pk).

    Open ones only (re-opened ones included): an answered query waits for the monitor and
    shows in the queries list, not in the site's badges.
    """
    code_of = {pk: model.FORM_CODE for pk, model in form_models_by_type().items()}
    rows = (
        access.scope(Query.objects.filter(patient=patient, status=QueryStatus.OPEN), user)
        .values("form_type", "form_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        (code_of[r["form_type"]], r["form_id"]): r["n"] for r in rows if r["form_type"] in code_of
    }


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
