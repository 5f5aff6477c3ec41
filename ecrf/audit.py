"""Reading the audit trail: who changed which value of which record, when and why.

The trail is read from django-simple-history's tables. Each history row is compared with
the row before it for the same record, field by field. Rows of every audited model are
listed together through one UNION ordered by time, so a page costs the same number of
queries however long the trail is: one for the count, one for the page, then two per
model present on the page (its rows with their predecessor's id, then the predecessors)
and one per kind of related record named in the values.

Every selector takes the reading user and keeps to their sites (trial.access, Action.AUDIT).
"""

import json
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trial import access
from trial.access import Action
from trial.history import SYSTEM_USERNAME, shown_reason
from trial.models import (
    Membership,
    Patient,
    Randomization,
    RandomizationCorrection,
    Role,
    Site,
)

from .models import CRF_MODELS, FORMS_BY_CODE, CheckFinding, Crf, Query, Visit

# Bookkeeping that every history row carries anyway (time, user) or that never changes.
RECORD_HIDDEN = frozenset(
    {"id", "version", "created_at", "created_by", "updated_at", "updated_by", "site", "patient"}
)
REFERENCE_HIDDEN = RECORD_HIDDEN | {"form_type", "form_id"}
ACTION_LABELS = {
    "+": gettext_lazy("created"),
    "~": gettext_lazy("changed"),
    "-": gettext_lazy("deleted"),
}


@dataclass(frozen=True)
class Source:
    """One audited model as the trail reads it."""

    key: str  # the form code of a CRF, or the record kind
    model: type[models.Model]
    patient_path: str | None  # from the history row to the patient's id
    site_path: str  # from the history row to the site's id
    subject_path: str | None  # from the history row to the subject ID
    site_code_path: str | None
    hidden: frozenset[str] = RECORD_HIDDEN
    item_reference: bool = False  # queries and findings: the field filter means their item

    @cached_property
    def history(self) -> type[models.Model]:
        # Model.history builds a new manager class on every access (simple-history's
        # descriptor): read it once per source, not once per query of every page.
        return self.model.history.model

    @property
    def label(self) -> str:
        return heading(self.model._meta.verbose_name)

    @property
    def is_crf(self) -> bool:
        return issubclass(self.model, Crf)

    def fields(self) -> list[models.Field]:
        return [f for f in self.model._meta.concrete_fields if f.name not in self.hidden]


def _patient_source(key, model, **kwargs) -> Source:
    return Source(
        key,
        model,
        patient_path="patient_id",
        site_path="site",
        subject_path="patient__subject_id",
        site_code_path="site__code",
        **kwargs,
    )


SOURCES: tuple[Source, ...] = (
    Source(
        "patient",
        Patient,
        patient_path="id",
        site_path="site",
        subject_path="subject_id",
        site_code_path="site__code",
    ),
    _patient_source("visit", Visit),
    *(_patient_source(model.FORM_CODE, model) for model in CRF_MODELS),
    _patient_source("query", Query, hidden=REFERENCE_HIDDEN, item_reference=True),
    _patient_source("finding", CheckFinding, hidden=REFERENCE_HIDDEN, item_reference=True),
    _patient_source("randomization", Randomization, hidden=RECORD_HIDDEN | {"entry"}),
    Source(
        "randomization_correction",
        RandomizationCorrection,
        patient_path="randomization__patient_id",
        site_path="randomization__site",
        subject_path="randomization__patient__subject_id",
        site_code_path="randomization__site__code",
        hidden=RECORD_HIDDEN | {"recorded_at"},
    ),
    # Site-level records: in the trail of a site and of the study, not of a patient.
    Source(
        "site", Site, patient_path=None, site_path="id", subject_path=None, site_code_path="code"
    ),
    Source(
        "membership",
        Membership,
        patient_path=None,
        site_path="site",
        subject_path=None,
        site_code_path="site__code",
        hidden=frozenset({"id"}),
    ),
)
SOURCE_INDEX = {source.key: index for index, source in enumerate(SOURCES)}
SOURCES_BY_KEY = {source.key: source for source in SOURCES}
PATIENT_SOURCES = tuple(s for s in SOURCES if s.patient_path)


def heading(text) -> str:
    """Capitalised, except words such as ctDNA that keep their spelling."""
    text = str(text)
    first = text.split(" ", 1)[0]
    return text if any(c.isupper() for c in first[1:]) else capfirst(text)


def form_choices(*, patient_level: bool = True) -> list[tuple[str, str]]:
    sources = PATIENT_SOURCES if patient_level else SOURCES
    return [(s.key, s.label) for s in sources]


def field_choices(form: str = "") -> list[tuple[str, str]]:
    """The items one may filter on: those of one form, or of every patient-level form."""
    sources = [SOURCES_BY_KEY[form]] if form in SOURCES_BY_KEY else PATIENT_SOURCES
    seen: dict[str, str] = {}
    for source in sources:
        if source.item_reference and form != source.key:
            continue
        for f in source.fields():
            seen.setdefault(f.name, heading(f.verbose_name))
    return sorted(seen.items(), key=lambda item: str(item[1]).lower())


# Selecting history rows ------------------------------------------------------------------


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


NEWEST_FIRST = ("-history_date", "-audit_source", "-history_id")
OLDEST_FIRST = ("history_date", "audit_source", "history_id")


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


# Turning history rows into entries ---------------------------------------------------------


@dataclass
class Change:
    field: str
    label: str
    old: str
    new: str


@dataclass
class TrailEntry:
    source: Source
    record_id: int
    history_id: int
    when: datetime  # in the site's time zone
    action: str  # "+", "~", "-"
    user: Any
    role: str
    reason: str
    subject_id: str
    site_code: str
    record_label: str
    changes: list[Change] = field(default_factory=list)
    form_code: str = ""  # the CRF this entry belongs to, for the link to its history
    form_id: int | None = None

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    @property
    def username(self) -> str:
        return self.user.get_username() if self.user is not None else ""

    @property
    def shown_reason(self) -> str:
        """The reason in the reader's language when the system wrote it (the export keeps
        the stored text)."""
        return shown_reason(self.reason)


# How a related record is named in the trail: one query per related model and page.
LABEL_FIELDS: dict[type[models.Model], str] = {
    get_user_model(): "username",
    Visit: "name",
    Site: "code",
    Patient: "subject_id",
    Randomization: "patient__subject_id",
}


def resolve(user, positions: list[dict], *, tz=None, field_only: str = "") -> list[TrailEntry]:
    """Entries for positions from trail_rows, in the order given."""
    by_source: dict[int, list[int]] = defaultdict(list)
    for position in positions:
        by_source[position["audit_source"]].append(position["history_id"])
    rows: dict[tuple[int, int], Any] = {}
    previous: dict[tuple[int, int], Any] = {}
    for index, ids in by_source.items():
        found, before = _rows_with_predecessors(SOURCES[index], ids)
        for row in found:
            rows[(index, row.history_id)] = row
            previous[(index, row.history_id)] = before.get(row.audit_prev_id)
    labels = _related_labels(rows, previous)
    roles = _roles([row.history_user_id for row in rows.values()])
    zones = _site_zones(rows.values()) if tz is None else {}
    entries = []
    for position in positions:
        key = (position["audit_source"], position["history_id"])
        row = rows.get(key)
        if row is None:
            continue
        source = SOURCES[key[0]]
        entry_tz = tz or zones.get(row.audit_site_id, UTC)
        entries.append(
            _entry(source, row, previous[key], labels, roles, entry_tz, field_only=field_only)
        )
    return entries


def _rows_with_predecessors(source: Source, ids: list[int]):
    history = source.history
    before = history.objects.filter(
        id=OuterRef("id"), history_id__lt=OuterRef("history_id")
    ).order_by("-history_id")
    annotations = {
        "audit_prev_id": Subquery(before.values("history_id")[:1]),
        "audit_site_id": F(source.site_path),
        "audit_subject": F(source.subject_path) if source.subject_path else Value(""),
        "audit_site_code": F(source.site_code_path) if source.site_code_path else Value(""),
    }
    found = list(
        history.objects.filter(history_id__in=ids)
        .order_by()
        .select_related("history_user")
        .annotate(**annotations)
    )
    prev_ids = [row.audit_prev_id for row in found if row.audit_prev_id]
    predecessors = (
        {row.history_id: row for row in history.objects.filter(history_id__in=prev_ids)}
        if prev_ids
        else {}
    )
    return found, predecessors


def _related_labels(rows: dict, previous: dict) -> dict[tuple[type, Any], str]:
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for (index, _history_id), row in rows.items():
        source = SOURCES[index]
        for f in source.fields():
            if f.is_relation and f.related_model in LABEL_FIELDS:
                for record in (row, previous[(index, row.history_id)]):
                    value = getattr(record, f.attname, None) if record is not None else None
                    if value is not None:
                        wanted[f.related_model].add(value)
    labels = {}
    for model, ids in wanted.items():
        for pk, label in model._base_manager.filter(pk__in=ids).values_list(
            "pk", LABEL_FIELDS[model]
        ):
            labels[(model, pk)] = str(label)
    return labels


@dataclass
class Roles:
    """The roles of the users of a page: each membership's states over time (from its
    history) and, for memberships with no history, as they are now."""

    timeline: dict[int, list[tuple]] = field(default_factory=dict)
    current: dict[int, list[tuple[int | None, str]]] = field(default_factory=dict)

    def at(self, user_id: int, site_id, when: datetime) -> list[str]:
        """The roles the user held at the site (or study-wide) when the change was made."""
        states: dict[int, tuple] = {}
        for membership_id, site, role, held, since in self.timeline.get(user_id, []):
            if since > when:
                break
            states[membership_id] = (site, role, held)
        if not states:  # no recorded membership yet then: as recorded now
            return [
                label for where, label in self.current.get(user_id, []) if where in (site_id, None)
            ]
        return [
            str(Role(role).label)
            for where, role, held in states.values()
            if held and where in (site_id, None)
        ]


def _roles(user_ids) -> Roles:
    roles = Roles(timeline=defaultdict(list), current=defaultdict(list))
    ids = {pk for pk in user_ids if pk}
    if not ids:
        return roles
    for membership in Membership.objects.filter(user_id__in=ids).order_by("pk"):
        roles.current[membership.user_id].append(
            (membership.site_id, membership.get_role_display())
        )
    history = Membership.history.model.objects.filter(user_id__in=ids).order_by(
        "history_date", "history_id"
    )
    for row in history.values_list(
        "id", "user_id", "site_id", "role", "active", "history_type", "history_date"
    ):
        membership_id, user_id, site_id, role, active, kind, since = row
        roles.timeline[user_id].append(
            (membership_id, site_id, role, active and kind != "-", since)
        )
    return roles


def _role_of(user, site_id, roles: Roles, when: datetime) -> str:
    if user is None:
        return ""
    if user.get_username() == SYSTEM_USERNAME and not user.is_active:
        return _("System")
    held = roles.at(user.pk, site_id, when)
    if user.is_superuser:
        held.append(_("Administrator"))
    return ", ".join(dict.fromkeys(str(label) for label in held))


def _site_zones(rows) -> dict[int, Any]:
    site_ids = {row.audit_site_id for row in rows if row.audit_site_id}
    zones = {}
    for pk, name in Site.objects.filter(pk__in=site_ids).values_list("pk", "time_zone"):
        try:
            zones[pk] = zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zones[pk] = UTC
    return zones


def display_value(model_field: models.Field, value, *, labels, tz) -> str:
    """A stored value as the trail shows it: choice labels, ISO dates, names of records."""
    if value is None or value == "":
        return ""
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(model_field, models.DateTimeField):
        return timezone.localtime(value, tz).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(model_field, models.DateField):
        return value.isoformat()
    if model_field.is_relation:
        if model_field.related_model is ContentType:
            return heading(ContentType.objects.get_for_id(value).name)
        return labels.get((model_field.related_model, value), str(value))
    if isinstance(model_field, models.JSONField):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def field_label(source: Source, model_field: models.Field) -> str:
    label = heading(model_field.verbose_name)
    unit = source.model.unit_label(model_field.name) if source.is_crf else ""
    return f"{label} ({unit})" if unit else label


def _entry(source, row, prev, labels, roles, tz, *, field_only="") -> TrailEntry:
    changes = []
    if row.history_type != "-":
        for f in source.fields():
            if field_only and not source.item_reference and f.name != field_only:
                continue
            value = getattr(row, f.attname)
            if prev is None and not f.editable and f.has_default() and value == f.get_default():
                continue  # bookkeeping at its starting value (draft, not in error)
            new = display_value(f, value, labels=labels, tz=tz)
            old = (
                display_value(f, getattr(prev, f.attname), labels=labels, tz=tz)
                if prev is not None
                else ""
            )
            if old != new:
                changes.append(Change(f.name, field_label(source, f), old, new))
    form_code, form_id = _form_of(source, row)
    return TrailEntry(
        source=source,
        record_id=row.id,
        history_id=row.history_id,
        when=timezone.localtime(row.history_date, tz),
        action=row.history_type,
        user=row.history_user,
        role=_role_of(row.history_user, row.audit_site_id, roles, row.history_date),
        reason=row.history_change_reason or "",
        subject_id=row.audit_subject or "",
        site_code=row.audit_site_code or "",
        record_label=_record_label(source, row),
        changes=changes,
        form_code=form_code,
        form_id=form_id,
    )


def _form_of(source: Source, row) -> tuple[str, int | None]:
    if source.is_crf:
        return source.key, row.id
    if source.item_reference:
        model = ContentType.objects.get_for_id(row.form_type_id).model_class()
        if model is not None and getattr(model, "FORM_CODE", "") in FORMS_BY_CODE:
            return model.FORM_CODE, row.form_id
    return "", None


def _record_label(source: Source, row) -> str:
    if source.key == "visit":
        return f"{source.label}: {row.name}"
    if source.item_reference:
        model = ContentType.objects.get_for_id(row.form_type_id).model_class()
        form = heading(model._meta.verbose_name) if model else "?"
        item = f", {row.field_name}" if row.field_name else ""
        return f"{source.label} #{row.id} ({form} #{row.form_id}{item})"
    if source.key == "patient":
        return f"{source.label} {row.subject_id}"
    return f"{source.label} #{row.id}"


def iter_trail(user, scope: TrailScope, *, chunk: int = 500) -> Iterator[TrailEntry]:
    """Every entry of the scope, oldest first, read in chunks of bounded memory."""
    after = None
    while True:
        rows = trail_rows(user, scope, after=after, first=chunk)
        positions = list(rows.order_by(*OLDEST_FIRST)[:chunk]) if rows is not None else []
        if not positions:
            return
        yield from resolve(user, positions)
        last = positions[-1]
        after = (last["history_date"], last["audit_source"], last["history_id"])


EXPORT_COLUMNS = (
    "time_utc",
    "time_site",
    "site",
    "subject_id",
    "record",
    "record_kind",
    "record_id",
    "history_id",
    "action",
    "field",
    "field_label",
    "old_value",
    "new_value",
    "user",
    "role",
    "reason",
)


def export_lines(entries: Iterator[TrailEntry]) -> Iterator[tuple]:
    """One line per changed value (one for an entry that changed no shown value)."""
    for entry in entries:
        common = (
            entry.when.astimezone(UTC).isoformat(),
            entry.when.isoformat(),
            entry.site_code,
            entry.subject_id,
            entry.record_label,
            entry.source.key,
            entry.record_id,
            entry.history_id,
            entry.action_label,
        )
        tail = (entry.username, entry.role, entry.reason)
        if not entry.changes:
            yield (*common, "", "", "", "", *tail)
        for change in entry.changes:
            yield (*common, change.field, change.label, change.old, change.new, *tail)
