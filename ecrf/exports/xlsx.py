"""Excel workbooks: one per table, laid out as the CSV (codes, then labels), with dates and
numbers as typed cells and text as text: a value that a spreadsheet would run as a formula is
a string cell with a quote before it (trial.spreadsheets), as in the CSV. Rows are streamed to
disk (openpyxl write-only) and the workbook is copied into the ZIP."""

import tempfile
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from trial.spreadsheets import neutralised

from .archive import Archive
from .tables import Output, Scope, Table, chunks, labelled


def file_name(table: Table) -> str:
    return f"{table.name}.xlsx"


def layout(table: Table) -> list[Output]:
    return labelled(table)


def _cell(sheet, value):
    if not isinstance(value, str):
        return value
    # Excel refuses control characters that free text may hold.
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    safe = neutralised(text)
    if safe == text:
        return text
    cell = WriteOnlyCell(sheet, value=safe)
    cell.data_type = "s"  # a string, whatever it starts with
    cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    return cell


def write(archive: Archive, tables: list[Table], scope: Scope) -> Iterator[None]:
    with tempfile.TemporaryDirectory(prefix="ecrf-export-") as folder:
        for table in tables:
            outputs = layout(table)
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet(title=table.name[:31])
            sheet.freeze_panes = "A2"
            path = Path(folder) / file_name(table)
            try:
                sheet.append([o.name for o in outputs])
                rows = 0
                for batch in chunks(table.rows(scope, outputs)):
                    for row in batch:
                        sheet.append([_cell(sheet, value) for value in row])
                    rows += len(batch)
                    yield
                workbook.save(path)
            except BaseException:
                _discard(sheet)
                raise
            archive.record_rows(table.name, rows)
            yield from archive.copy(file_name(table), path)
            path.unlink()


def _discard(sheet) -> None:
    """Remove the file openpyxl keeps a write-only sheet's rows in: only saving the workbook
    removes it, and a failed export must leave nothing behind (on a full disk least of all)."""
    writer = sheet._writer  # openpyxl has no public way to drop a sheet it has not saved
    if writer is None:
        return
    with suppress(Exception):
        sheet.close()
    with suppress(OSError, ValueError):
        writer.cleanup()
