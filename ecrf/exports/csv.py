"""CSV: one UTF-8 file per table, every coded value followed by its label (aeout, aeout_label)."""

import csv
from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from .archive import Archive
from .tables import Output, Scope, Table, chunks, labelled

LABEL = _("CSV: one file per table, codes and labels")


def file_name(table: Table) -> str:
    return f"{table.name}.csv"


def layout(table: Table) -> list[Output]:
    return labelled(table)


def write(archive: Archive, tables: list[Table], scope: Scope) -> Iterator[None]:
    for table in tables:
        outputs = layout(table)
        rows = 0
        with archive.text(file_name(table)) as out:
            writer = csv.writer(out)
            writer.writerow([output.name for output in outputs])
            for batch in chunks(table.rows(scope, outputs)):
                writer.writerows(batch)
                rows += len(batch)
                yield
        archive.record_rows(table.name, rows)
