"""CSV: one UTF-8 file per table, every coded value followed by its label (aeout, aeout_label).

On PostgreSQL a form table is the scoped queryset's own SQL run as COPY ... TO STDOUT: the
server writes the CSV and its bytes go straight into the ZIP, so the export runs at COPY's
speed. Elsewhere (SQLite) and for the patients table (randomization dates in the site's time
zone) rows stream through Python's csv writer; both spell values alike: yes/no items True and
False, dates ISO 8601, no value empty, and text that a spreadsheet would run as a formula
with a quote before it (trial.spreadsheets).
"""

import csv
import io
from collections.abc import Iterator

import psycopg
from django.db import connection, models
from django.db.models import Func
from django.utils.encoding import force_str
from psycopg import pq

from trial.spreadsheets import FORMULA_STARTS, QUOTE, neutralised

from .archive import Archive
from .tables import Decode, Output, Scope, Table, chunks, labelled

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


class Neutralised(Func):
    """trial.spreadsheets.neutralised computed by PostgreSQL: a quote before a value whose
    first character, after any quotes, starts a formula. The first character alone is looked
    at unless it is one of those or a quote, so the common case costs one comparison."""

    output_field = models.TextField()

    def as_sql(self, compiler, connection, **extra):
        value, params = compiler.compile(self.source_expressions[0])
        starts = ", ".join(["%s"] * len(FORMULA_STARTS))
        sql = (
            f"CASE WHEN LEFT({value}, 1) IN ({starts}, %s) "
            f"AND LEFT(LTRIM({value}, %s), 1) IN ({starts}) "
            f"THEN %s || {value} ELSE {value} END"
        )
        starts_params = list(FORMULA_STARTS)
        return sql, [
            *params, *starts_params, QUOTE,
            *params, QUOTE, *starts_params,
            QUOTE, *params, *params,
        ]  # fmt: skip


def _as_text(output: Output):
    """What COPY selects: yes/no items spelled True and False as Python writes them, text
    with a quote before a formula's start (labels are constants: written so in the query)."""
    column = output.column
    if column.type == "boolean" and not output.decoded:
        return Decode(column.source, ((True, "True"), (False, "False")), default=None)
    if output.decoded:
        labels = tuple((code, neutralised(force_str(label))) for code, label in column.choices)
        return Decode(column.source, labels)
    if output.is_text:
        return Neutralised(column.source)
    return column.source


def _copy(out, table: Table, scope: Scope, outputs: list[Output]) -> Iterator[None]:
    """Stream the table with COPY (the scoped queryset's SQL, read only); returns the rows."""
    statement = copy_statement(table, scope, outputs)
    with connection.cursor() as cursor:
        with cursor.copy(statement) as copy:
            return (yield from _drain(copy, out))


def _drain(copy, out) -> Iterator[None]:
    """Write the rows of a COPY TO as they arrive; returns how many there were.

    libpq hands over one row per call. Rows it has already received are taken from it
    directly (psycopg's reader costs a few microseconds a row, as much as the server's work);
    when none is there yet, psycopg's reader waits for the network."""
    pgconn = copy.connection.pgconn
    rows = 0
    while True:
        size, data = pgconn.get_copy_data(1)  # 1: never block
        if size == 0:  # nothing received yet
            data = copy.read()
            if not data:  # psycopg saw the end and read COPY's result
                return rows
        elif size == -1:  # the end, seen here: read COPY's result as psycopg would
            return _copy_result(pgconn, rows)
        elif size < -1:
            raise psycopg.OperationalError(pgconn.get_error_message())
        out.write(data)
        rows += 1
        if rows % COPY_BLOCKS == 0:
            yield


def _copy_result(pgconn, rows: int) -> int:
    results = []
    while (result := pgconn.get_result()) is not None:
        results.append(result)
    failed = [r for r in results if r.status != pq.ExecStatus.COMMAND_OK]
    if failed:
        raise psycopg.DatabaseError(failed[0].get_error_message())
    return rows


def copy_statement(table: Table, scope: Scope, outputs: list[Output]) -> str:
    queryset = table.queryset(scope).values_list(*(_as_text(o) for o in outputs))
    sql, params = queryset.query.sql_with_params()
    return f"COPY ({connection.ops.compose_sql(sql, params)}) TO STDOUT (FORMAT csv)"


def _write_rows(out, table: Table, scope: Scope, outputs: list[Output]) -> Iterator[None]:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator=NEWLINE)
    texts = [i for i, o in enumerate(outputs) if o.is_text]
    rows = 0
    for batch in chunks(table.rows(scope, outputs)):
        writer.writerows(_neutralise(row, texts) for row in batch)
        rows += len(batch)
        yield
    text.flush()
    text.detach()
    return rows


def _neutralise(row: tuple, texts: list[int]) -> list:
    values = list(row)
    for i in texts:
        if isinstance(values[i], str):
            values[i] = neutralised(values[i])
    return values
