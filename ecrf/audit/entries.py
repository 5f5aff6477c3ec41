"""Turning history rows into entries: each row beside the one before it, value by value."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, OuterRef, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy

from trial.history import shown_reason
from trial.models import Patient, Randomization, Site, zone_named

from ..display import display_value, heading
from ..models import FORMS_BY_CODE, Visit
from .roles import Roles, role_of, roles_of
from .sources import SOURCES, Source

ACTION_LABELS = {
    "+": gettext_lazy("created"),
    "~": gettext_lazy("changed"),
    "-": gettext_lazy("deleted"),
}

# How a related record is named in the trail: one query per related model and page.
LABEL_FIELDS: dict[type[models.Model], str] = {
    get_user_model(): "username",
    Visit: "name",
    Site: "code",
    Patient: "subject_id",
    Randomization: "patient__subject_id",
}


@dataclass
class Change:
    field: str
    label: str
    old: str
    new: str
    numeric: bool = False  # old and new are numbers written out, not text


def is_numeric(model_field: models.Field) -> bool:
    """A field whose values read as plain numbers (a coded number reads as its label)."""
    numbers = (models.IntegerField, models.DecimalField, models.FloatField)
    return isinstance(model_field, numbers) and not model_field.choices


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
    roles = roles_of([row.history_user_id for row in rows.values()])
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


def _site_zones(rows) -> dict[int, Any]:
    site_ids = {row.audit_site_id for row in rows if row.audit_site_id}
    return {
        pk: zone_named(name)
        for pk, name in Site.objects.filter(pk__in=site_ids).values_list("pk", "time_zone")
    }


def field_label(source: Source, model_field: models.Field) -> str:
    label = str(heading(model_field.verbose_name))
    unit = source.model.unit_label(model_field.name) if source.is_crf else ""
    return f"{label} ({unit})" if unit else label


def _entry(source, row, prev, labels, roles: Roles, tz, *, field_only="") -> TrailEntry:
    changes = []
    if row.history_type != "-":
        for f in source.fields():
            if field_only and not source.item_reference and f.name != field_only:
                continue
            value = getattr(row, f.attname)
            if prev is None and not f.editable and f.has_default() and value == f.get_default():
                continue  # bookkeeping at its starting value (draft, not in error)
            new = display_value(f, value, empty="", labels=labels, tz=tz)
            old = (
                display_value(f, getattr(prev, f.attname), empty="", labels=labels, tz=tz)
                if prev is not None
                else ""
            )
            if old != new:
                changes.append(
                    Change(f.name, field_label(source, f), old, new, numeric=is_numeric(f))
                )
    form_code, form_id = _form_of(source, row)
    return TrailEntry(
        source=source,
        record_id=row.id,
        history_id=row.history_id,
        when=timezone.localtime(row.history_date, tz),
        action=row.history_type,
        user=row.history_user,
        role=role_of(row.history_user, row.audit_site_id, roles, row.history_date),
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
