"""The audit trail of a scope as a CSV file: every entry, oldest first, one line per changed
value. What a cell holds is decided here and only here: text that a spreadsheet would run as a
formula has a quote before it (trial.spreadsheets); numbers are written as they are."""

import csv
from collections.abc import Iterator
from datetime import UTC

from trial.spreadsheets import neutralised

from .entries import TrailEntry, resolve
from .rows import OLDEST_FIRST, TrailScope, trail_rows

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


def export_lines(entries: Iterator[TrailEntry]) -> Iterator[tuple]:
    """One line per changed value (one for an entry that changed no shown value)."""
    for entry in entries:
        common = (
            entry.when.astimezone(UTC).isoformat(),
            entry.when.isoformat(),
            _text(entry.site_code),
            _text(entry.subject_id),
            _text(entry.record_label),
            entry.source.key,
            entry.record_id,
            entry.history_id,
            _text(entry.action_label),
        )
        tail = (_text(entry.username), _text(entry.role), _text(entry.reason))
        if not entry.changes:
            yield (*common, "", "", "", "", *tail)
        for change in entry.changes:
            values = (change.old, change.new)
            if not change.numeric:
                values = tuple(map(_text, values))
            yield (*common, change.field, _text(change.label), *values, *tail)


def _text(value) -> str:
    return neutralised(str(value))


class _Echo:
    """csv.writer target that hands each line straight to the caller."""

    def write(self, value):
        return value


def export_csv(entries: Iterator[TrailEntry]) -> Iterator[str]:
    """The CSV file, line by line: the header, then export_lines."""
    writer = csv.writer(_Echo())
    yield "\ufeff"  # byte order mark: spreadsheet programs then read the file as UTF-8
    yield writer.writerow(EXPORT_COLUMNS)
    for line in export_lines(entries):
        yield writer.writerow(line)
