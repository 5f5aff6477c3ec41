"""CSV: one UTF-8 file per table, every coded value followed by its label (aeout, aeout_label).

On PostgreSQL a form table is the scoped queryset's own SQL run as COPY ... TO STDOUT: the
server writes the CSV and its bytes go straight into the ZIP, so the export runs at COPY's
speed. Elsewhere (SQLite) and for the patients table (randomization dates in the site's time
zone) rows stream through Python's csv writer; both spell values alike: yes/no items True and
False, dates ISO 8601, no value empty.
"""

import csv
import io
from collections.abc import Iterator

from django.db import connection

from .archive import Archive
from .tables import Decode, Output, Scope, Table, chunks, labelled, selected

NEWLINE = "\n"  # as COPY writes it
COPY_BLOCKS = 1000  # COPY hands over one row at a time


def file_name(table: Table) -> str:
    return f"{table.name}.csv"


def layout(table: Table) -> list[Output]:
    return labelled(table)


def can_copy(table: Table) -> bool:
    return connection.vendor == "postgresql" and not any(c.local_date for c in table.columns)


def write(archive: Archive, tables: list[Table], scope: Scope) -> Iterator[None]:
    for table in tables:
        outputs = layout(table)
        with archive.binary(file_name(table)) as out:
            header = io.StringIO()
            csv.writer(header, lineterminator=NEWLINE).writerow([o.name for o in outputs])
            out.write(header.getvalue().encode("utf-8"))
            if can_copy(table):
                rows = yield from _copy(out, table, scope, outputs)
            else:
                rows = yield from _write_rows(out, table, scope, outputs)
        archive.record_rows(table.name, rows)


def _as_text(output: Output):
    """What COPY selects: yes/no items spelled True and False as Python writes them."""
    if output.column.type == "boolean" and not output.decoded:
        return Decode(output.column.source, ((True, "True"), (False, "False")), default=None)
    return selected(output)


def _copy(out, table: Table, scope: Scope, outputs: list[Output]) -> Iterator[None]:
    """Stream the table with COPY (the scoped queryset's SQL, read only); returns the rows."""
    statement = copy_statement(table, scope, outputs)
    with connection.cursor() as cursor:
        with cursor.copy(statement) as copy:
            for n, block in enumerate(copy, start=1):
                out.write(block)
                if n % COPY_BLOCKS == 0:
                    yield
        return cursor.rowcount  # from COPY's own "COPY n"


def copy_statement(table: Table, scope: Scope, outputs: list[Output]) -> str:
    queryset = table.queryset(scope).values_list(*(_as_text(o) for o in outputs))
    sql, params = queryset.query.sql_with_params()
    return f"COPY ({connection.ops.compose_sql(sql, params)}) TO STDOUT (FORMAT csv)"


def _write_rows(out, table: Table, scope: Scope, outputs: list[Output]) -> Iterator[None]:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator=NEWLINE)
    rows = 0
    for batch in chunks(table.rows(scope, outputs)):
        writer.writerows(batch)
        rows += len(batch)
        yield
    text.flush()
    text.detach()
    return rows
