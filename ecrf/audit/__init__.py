"""Reading the audit trail: who changed which value of which record, when and why.

The trail is read from django-simple-history's tables. Each history row is compared with
the row before it for the same record, field by field. Rows of every audited model are
listed together through one UNION ordered by time, so a page costs the same number of
queries however long the trail is: one for the count, one for the page, then two per
model present on the page (its rows with their predecessor's id, then the predecessors)
and one per kind of related record named in the values.

Every selector takes the reading user and keeps to their sites (trial.access, Action.AUDIT).

- sources: the audited models (Source, SOURCES) and the form and item filters' choices;
- rows: which history rows (TrailScope, TrailFilter) as positions, through one UNION;
- entries: positions turned into entries, value by value (resolve);
- roles: the role each user held when they made a change;
- export: the whole trail of a scope in chunks, as lines of the CSV file.
"""

from .entries import Change, TrailEntry, resolve
from .export import EXPORT_COLUMNS, export_csv, export_lines, iter_trail
from .rows import (
    NEWEST_FIRST,
    OLDEST_FIRST,
    TrailFilter,
    TrailScope,
    trail_newest_first,
    trail_rows,
    trail_users,
)
from .sources import PATIENT_SOURCES, SOURCES, SOURCES_BY_KEY, Source, field_choices, form_choices

__all__ = [
    "EXPORT_COLUMNS",
    "NEWEST_FIRST",
    "OLDEST_FIRST",
    "PATIENT_SOURCES",
    "SOURCES",
    "SOURCES_BY_KEY",
    "Change",
    "Source",
    "TrailEntry",
    "TrailFilter",
    "TrailScope",
    "export_csv",
    "export_lines",
    "field_choices",
    "form_choices",
    "iter_trail",
    "resolve",
    "trail_newest_first",
    "trail_rows",
    "trail_users",
]
