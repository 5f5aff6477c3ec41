"""Which history rows: of a patient, a form or some sites, filtered by item, user and dates.

Rows of every audited model are listed as positions (source index, history id, time) through
one UNION ALL, so that a page or a chunk is one query however many models there are.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value

from trial import access
from trial.access import Action
from trial.models import Patient

from ..models import Crf
from .sources import PATIENT_SOURCES, SOURCE_INDEX, SOURCES, Source

NEWEST_FIRST = ("-history_date", "-audit_source", "-history_id")
OLDEST_FIRST = ("history_date", "audit_source", "history_id")


@dataclass(frozen=True)
class TrailFilter:
    form: str = ""  # a Source key
    field: str = ""
    user_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    tz: Any = UTC  # the time zone the dates are meant in


@dataclass(frozen=True)
class TrailScope:
    """Which records: one patient's, one form's, or every record at some sites."""

    patient: Patient | None = None
    crf: Crf | None = None
    sites: QuerySet | None = None

    def sources(self) -> tuple[Source, ...]:
        if self.crf is not None:
            crf_key = type(self.crf).FORM_CODE
            return tuple(s for s in SOURCES if s.key == crf_key or s.item_reference)
        if self.patient is not None:
            return PATIENT_SOURCES
        return SOURCES

    def restrict(self, source: Source, rows: QuerySet) -> QuerySet:
        if self.crf is not None:
            if source.item_reference:
                form_type = ContentType.objects.get_for_model(type(self.crf))
                return rows.filter(form_type_id=form_type.pk, form_id=self.crf.pk)
            return rows.filter(id=self.crf.pk)
        if self.patient is not None:
            return rows.filter(**{source.patient_path: self.patient.pk})
        if self.sites is not None:
            return rows.filter(**{f"{source.site_path}__in": self.sites})
        return rows


def _empty(attname: str, model_field: models.Field) -> Q:
    empty = Q(**{f"{attname}__isnull": True})
    if isinstance(model_field, models.CharField | models.TextField):
        empty |= Q(**{attname: ""})
    return empty


def _field_changed(history, model_field: models.Field) -> tuple[dict, Q]:
    """Aliases and a condition: rows where this field got a (new) value."""
    attname = model_field.attname
    before = history.objects.filter(
        id=OuterRef("id"), history_id__lt=OuterRef("history_id")
    ).order_by("-history_id")
    aliases = {
        "audit_has_prev": Exists(before),
        "audit_prev_value": Subquery(before.values(attname)[:1]),
    }
    created_with_value = Q(audit_has_prev=False) & ~_empty(attname, model_field)
    both = Q(audit_prev_value__isnull=False, **{f"{attname}__isnull": False})
    one = Q(audit_prev_value__isnull=True, **{f"{attname}__isnull": False}) | Q(
        audit_prev_value__isnull=False, **{f"{attname}__isnull": True}
    )
    changed = Q(audit_has_prev=True) & (one | (both & ~Q(**{attname: F("audit_prev_value")})))
    return aliases, created_with_value | changed


def _source_rows(user, source: Source, scope: TrailScope, filters: TrailFilter) -> QuerySet | None:
    """The history rows of one source as (source, history_id, history_date), or None."""
    if filters.form and filters.form != source.key:
        return None
    rows = access.scope(
        source.history.objects.order_by(), user, site_field=source.site_path, action=Action.AUDIT
    )
    rows = scope.restrict(source, rows)
    if filters.field:
        if source.item_reference:
            rows = rows.filter(field_name=filters.field)
        else:
            model_field = next((f for f in source.fields() if f.name == filters.field), None)
            if model_field is None:
                return None
            aliases, changed = _field_changed(source.history, model_field)
            rows = rows.alias(**aliases).filter(changed)
    if filters.user_id:
        rows = rows.filter(history_user_id=filters.user_id)
    if filters.date_from:
        start = datetime.combine(filters.date_from, time.min, tzinfo=filters.tz)
        rows = rows.filter(history_date__gte=start)
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=filters.tz)
        rows = rows.filter(history_date__lt=end)
    return rows.annotate(
        audit_source=Value(SOURCE_INDEX[source.key], output_field=IntegerField())
    ).values("audit_source", "history_id", "history_date")


def trail_rows(
    user, scope: TrailScope, filters: TrailFilter = TrailFilter(), *, after=None, first=None
) -> QuerySet | None:
    """One UNION ALL over the audited models' history rows, unordered; None if none apply.

    after=(history_date, source index, history_id) keeps to rows after that position in
    ascending (history_date, audit_source, history_id) order, for reading in chunks;
    first=n then lets each model contribute only its first n rows in that order, so that
    a chunk reads n rows per model by index, not every row after the position.
    """
    per_part = first is not None and connection.features.supports_slicing_ordering_in_compound
    parts = []
    for source in scope.sources():
        rows = _source_rows(user, source, scope, filters)
        if rows is None:
            continue
        if after is not None:
            rows = rows.filter(_after(after, SOURCE_INDEX[source.key]))
        parts.append(rows)
    if not parts:
        return None
    if per_part and len(parts) > 1:
        parts = [rows.order_by("history_date", "history_id")[:first] for rows in parts]
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def trail_newest_first(user, scope: TrailScope, filters: TrailFilter = TrailFilter()):
    """The positions for a paginated page: newest first (a list when nothing applies)."""
    rows = trail_rows(user, scope, filters)
    return rows.order_by(*NEWEST_FIRST) if rows is not None else []


def _after(position, source_index: int) -> Q:
    when, last_source, last_id = position
    if source_index > last_source:
        return Q(history_date__gte=when)
    if source_index < last_source:
        return Q(history_date__gt=when)
    return Q(history_date__gt=when) | Q(history_date=when, history_id__gt=last_id)


def trail_users(user, scope: TrailScope) -> list:
    """Everyone who appears in the trail of the scope, for the user filter."""
    parts = [
        scope.restrict(
            s,
            access.scope(
                s.history.objects.order_by(), user, site_field=s.site_path, action=Action.AUDIT
            ),
        ).values("history_user_id")
        for s in scope.sources()
    ]
    ids = {row["history_user_id"] for row in parts[0].union(*parts[1:])} - {None}
    return list(get_user_model().objects.filter(pk__in=ids).order_by("username"))
