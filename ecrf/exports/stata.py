"""Stata files (.dta, format 118, UTF-8): one per table, with variable and value labels.

Stata labels numbers only: numeric codes (CTCAE grade, ECOG, dose level) and yes/no items
(1 and 0) carry value labels; a text code keeps its value and is followed by a text column
with its label (aeout, aeout_label). Variable labels are cut to 80 bytes; dates are %td.
"""

import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyreadstat

from .archive import Archive
from .statistical import date_formats, fit, is_number, read_frame, value_labels
from .tables import Output, Scope, Table

EPOCH = date(1960, 1, 1)
LABEL_BYTES = 80


def file_name(table: Table) -> str:
    return f"{table.name}.dta"


def layout(table: Table) -> list[Output]:
    outputs = []
    for column in table.columns:
        outputs.append(Output(column.name, column))
        if column.coded and column.type == "text" and not column.key:
            outputs.append(Output(f"{column.name}_label", column, decoded=True))
    return outputs


def write(archive: Archive, tables: list[Table], scope: Scope) -> Iterator[None]:
    with tempfile.TemporaryDirectory(prefix="ecrf-export-") as folder:
        for table in tables:
            outputs = layout(table)
            frame = yield from read_frame(table, scope, outputs, epoch=EPOCH)
            path = Path(folder) / file_name(table)
            pyreadstat.write_dta(
                frame,
                path,
                file_label=fit(table.label, LABEL_BYTES),
                column_labels=[_label(o) for o in outputs],
                variable_value_labels={
                    o.name: value_labels(o.column)
                    for o in outputs
                    if o.column.coded and is_number(o)
                },
                variable_format=date_formats(outputs, "%td"),
            )
            archive.record_rows(table.name, len(frame))
            del frame
            yield from archive.copy(file_name(table), path)
            path.unlink()


def _label(output: Output) -> str:
    label = str(output.column.label)
    return fit(f"{label} (label)" if output.decoded else label, LABEL_BYTES)
