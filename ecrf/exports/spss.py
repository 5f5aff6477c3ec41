"""SPSS files (.sav): one per table, with variable labels and value labels on every coded
column, text codes included; yes/no items are 1 and 0. Dates have the DATE11 format."""

import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyreadstat

from .archive import Archive
from .statistical import date_formats, read_frame, value_labels
from .tables import Output, Scope, Table

EPOCH = date(1582, 10, 14)  # SPSS counts seconds from the Gregorian calendar's first day


def file_name(table: Table) -> str:
    return f"{table.name}.sav"


def layout(table: Table) -> list[Output]:
    return [Output(column.name, column) for column in table.columns]


def write(archive: Archive, tables: list[Table], scope: Scope) -> Iterator[None]:
    with tempfile.TemporaryDirectory(prefix="ecrf-export-") as folder:
        for table in tables:
            outputs = layout(table)
            frame = yield from read_frame(table, scope, outputs, epoch=EPOCH, seconds=True)
            path = Path(folder) / file_name(table)
            pyreadstat.write_sav(
                frame,
                path,
                file_label=str(table.label),
                column_labels=[str(o.column.label) for o in outputs],
                variable_value_labels={
                    o.name: value_labels(o.column) for o in outputs if o.column.coded
                },
                variable_format=date_formats(outputs, "DATE11"),
                compress=True,
            )
            archive.record_rows(table.name, len(frame))
            del frame
            yield from archive.copy(file_name(table), path)
            path.unlink()
