"""SAS transport files (XPT version 5): one dataset per table, and the value labels as a
format control dataset (formats.xpt) with the program that loads and attaches them
(formats.sas).

Version 5 because SAS, pandas.read_sas and the regulators' tools all read it. Its names have
at most 8 characters, so variables and datasets are renamed (the data dictionary gives every
name) and labels are cut to 40 bytes; text is UTF-8. Dates are SAS dates with DATE9.
"""

import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pyreadstat

from .archive import Archive
from .codelists import Codelist, codelists, key
from .sasnames import short_names
from .statistical import date_formats, fit, read_frame
from .tables import Output, Scope, Table

EPOCH = date(1960, 1, 1)
LABEL_BYTES = 40
FORMATS_DATA = "formats.xpt"
FORMATS_PROGRAM = "formats.sas"


def file_name(table: Table) -> str:
    return f"{table.name}.xpt"


def layout(table: Table) -> list[Output]:
    names = short_names([c.name for c in table.columns], {c.name: c.cdash for c in table.columns})
    return [Output(names[c.name], c) for c in table.columns]


def dataset_names(tables: list[Table]) -> dict[str, str]:
    return short_names([t.name for t in tables])


def write(archive: Archive, tables: list[Table], scope: Scope) -> Iterator[None]:
    datasets = dataset_names(tables)
    lists = codelists(tables)
    with tempfile.TemporaryDirectory(prefix="ecrf-export-") as folder:
        for table in tables:
            outputs = layout(table)
            frame = yield from read_frame(table, scope, outputs, epoch=EPOCH)
            path = Path(folder) / file_name(table)
            pyreadstat.write_xport(
                frame,
                path,
                file_label=fit(table.label, LABEL_BYTES),
                column_labels=[fit(o.column.label, LABEL_BYTES) for o in outputs],
                table_name=datasets[table.name],
                file_format_version=5,
                variable_format=date_formats(outputs, "DATE9."),
            )
            archive.record_rows(table.name, len(frame))
            del frame
            yield from archive.copy(file_name(table), path)
            path.unlink()
        path = Path(folder) / FORMATS_DATA
        pyreadstat.write_xport(
            _control_data(lists.values()),
            path,
            file_label="Value labels (PROC FORMAT CNTLIN)",
            table_name="FORMATS",
            file_format_version=5,
        )
        yield from archive.copy(FORMATS_DATA, path)
    with archive.text(FORMATS_PROGRAM) as out:
        out.write(program(tables, datasets, lists))


def _control_data(lists) -> pd.DataFrame:
    rows = [
        (codelist.sas_format.lstrip("$"), code, fit(label, 200), "C" if codelist.character else "N")
        for codelist in lists
        for code, label in codelist.items
    ]
    return pd.DataFrame(rows, columns=["FMTNAME", "START", "LABEL", "TYPE"], dtype=object)


def program(tables: list[Table], datasets: dict[str, str], lists: dict[tuple, Codelist]) -> str:
    """A SAS program that loads the formats and attaches them to every dataset's codes."""
    lines = [
        "/* Value labels of the study dataset. Set DIR to the folder of the unzipped files. */",
        "%let dir = .;",
        f'libname fmtxpt xport "&dir/{FORMATS_DATA}";',
        "proc format cntlin=fmtxpt.formats; run;",
        "",
    ]
    for table in tables:
        attached = [
            f"{o.name} {lists[key(o.column)].sas_format}." for o in layout(table) if o.column.coded
        ]
        member = datasets[table.name]
        lines.append(f'libname xpt xport "&dir/{file_name(table)}";')
        lines.append(f"data work.{member}; set xpt.{member};")
        if attached:
            lines.append(f"  format {' '.join(attached)};")
        lines.append("run;")
    lines.append("libname xpt clear; libname fmtxpt clear;")
    return "\n".join(lines) + "\n"
