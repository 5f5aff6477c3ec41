"""Reads over visits and forms: expected, missing and overdue are queries, not typing."""

from datetime import date

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When

from trial import protocol

from .models import DONE_STATUSES, FORMS_BY_CODE, Visit


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
