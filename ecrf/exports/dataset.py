"""The study dataset as one ZIP: the tables in one format, the data dictionary, a manifest.

`start_export` checks that the user may export and returns the export; its `chunks()` writes
the ZIP as it streams, inside one read-only snapshot of the database, so the files agree with
each other and neither the server nor the command holds a whole table in memory.

The access log says whether an export finished: "Export" once the last byte is out, "Failed
export" with the reason when it stops. What can fail before the first byte is done before it:
formats written through temporary files (Excel, SAS, Stata, SPSS) are written whole by
`prepare()` before the page answers, so a full disk is a page that says so, not a broken ZIP.
"""

import csv
import importlib
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from types import ModuleType
from typing import BinaryIO

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from trial import access, protocol
from trial.access import Action
from trial.accesslog import log_export_failed, streamed_export
from trial.models import Site

from .. import dictionary
from .archive import Archive, Sink
from .tables import Output, Scope, Table, dataset_tables


@dataclass(frozen=True)
class Format:
    """A format of the dataset; its module is imported when used, so that a CSV export
    does not load the statistical libraries."""

    code: str
    label: str
    module_name: str
    spooled: bool = False  # written through temporary files: prepared before the first byte

    @property
    def module(self) -> ModuleType:
        return importlib.import_module(self.module_name)


FORMATS: dict[str, Format] = {
    f.code: f
    for f in (
        Format("csv", _("CSV: one file per table, codes and labels"), "ecrf.exports.csv"),
        Format(
            "xlsx",
            _("Excel: one workbook per table, codes and labels"),
            "ecrf.exports.xlsx",
            spooled=True,
        ),
        Format("sas", _("SAS transport (XPT v5) with formats"), "ecrf.exports.sas", spooled=True),
        Format("stata", _("Stata (.dta) with value labels"), "ecrf.exports.stata", spooled=True),
        Format("spss", _("SPSS (.sav) with value labels"), "ecrf.exports.spss", spooled=True),
        Format("odm", _("CDISC ODM 1.3.2 XML with the audit trail"), "ecrf.exports.odm"),
    )
}
DICTIONARY_FILE = "dictionary.csv"
MANIFEST_FILE = "manifest.json"
DICTIONARY_COLUMNS = ("file", "column", *dictionary.COLUMNS)
SPOOL_CHUNK = 1 << 20


def may_export(user) -> bool:
    """Data managers (of the whole study or of listed sites) and administrators."""
    return access.sites_for(user, action=Action.EXPORT).exists()


@dataclass
class DatasetExport:
    """One export: who, which format, which scope. `chunks()` writes the ZIP as it goes, or
    sends the one `prepare()` wrote; either way the access log says how it ended."""

    user: object
    format: str
    scope: Scope
    started_at: object
    detail: str  # what the access log says of this export
    request: object = None
    manifest: dict | None = None
    _spool: BinaryIO | None = field(default=None, repr=False)

    @property
    def filename(self) -> str:
        stamp = self.started_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        where = f"_{self.scope.site.code}" if self.scope.site is not None else ""
        return f"{protocol.TRIAL_ID}_{self.format}{where}_{stamp}.zip"

    @property
    def _who(self) -> dict:
        return {"user": self.user, "request": self.request, "site": self.scope.site}

    def prepare(self) -> None:
        """Write the ZIP of a spooled format to a temporary file before anything is sent.

        Raises what writing raised (OSError for a full disk), after logging the export as
        failed. Other formats stream as they are written and need no preparing."""
        if not FORMATS[self.format].spooled or self._spool is not None:
            return
        spool = tempfile.TemporaryFile(prefix="ecrf-export-")  # no name: gone when closed
        try:
            for data in self._written():
                spool.write(data)
            spool.flush()
            spool.seek(0)
        except BaseException as error:
            spool.close()
            log_export_failed(error=error, detail=self.detail, **self._who)
            raise
        self._spool = spool

    def chunks(self) -> Iterator[bytes]:
        """The ZIP's bytes; logged as an export after the last, as failed if they stop."""
        source = self._spooled() if self._spool is not None else self._written()
        return streamed_export(source, detail=self.detail, **self._who)

    def write_to(self, handle: BinaryIO) -> None:
        """Write the ZIP into an open file; a failure to write it is the export's failure."""
        stream = self.chunks()
        for data in stream:
            try:
                handle.write(data)
                handle.flush()
            except BaseException as error:
                stream.throw(error)  # logged as failed by the stream, then raised here

    def _spooled(self) -> Iterator[bytes]:
        with self._spool as spool:
            while data := spool.read(SPOOL_CHUNK):
                yield data

    def _written(self) -> Iterator[bytes]:
        module = FORMATS[self.format].module
        sink = Sink()
        with translation.override("en"), _snapshot():
            archive = Archive(sink)
            tables = dataset_tables()
            _write_dictionary(archive, module, tables)
            yield sink.take()
            for _step in module.write(archive, tables, self.scope):
                if data := sink.take():
                    yield data
            self.manifest = _manifest(self, module, tables, archive)
            with archive.text(MANIFEST_FILE) as out:
                json.dump(self.manifest, out, indent=2, ensure_ascii=False)
            archive.close()
            yield sink.take()


def start_export(
    *, user, format: str, site: Site | None = None, patients: QuerySet | None = None, request=None
) -> DatasetExport:
    """Check the user may export and return the export ready to stream (and be logged).

    Raises PermissionDenied when the user may export nothing, Http404 for a site that is not
    one of their export sites. patients (a scoped queryset) narrows the export to them.
    """
    if format not in FORMATS:
        raise ValueError(f"Unknown export format {format!r}.")
    sites = access.sites_for(user, action=Action.EXPORT)
    if not sites.exists():
        raise PermissionDenied
    if site is not None and not sites.filter(pk=site.pk).exists():
        raise Http404
    scope = Scope(user=user, site=site, patients=patients)
    who = "selected patients" if patients is not None else "all patients"
    codes = ", ".join(scope.sites().values_list("code", flat=True))
    return DatasetExport(
        user=user,
        format=format,
        scope=scope,
        started_at=timezone.now(),
        detail=f"Study dataset ({format}): sites {codes}; {who}.",
        request=request,
    )


@contextmanager
def _snapshot():
    """One transaction for the whole export; on PostgreSQL a read-only repeatable read."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def dictionary_rows(module: ModuleType, tables: list[Table]) -> Iterator[list[str]]:
    """One row per column of every file, in the order the files hold them."""
    for table in tables:
        for output in module.layout(table):
            yield [module.file_name(table), output.name, *_describe(table, output)]


def _describe(table: Table, output: Output) -> list[str]:
    column = output.column
    label = force_str(column.label)
    if output.decoded:
        note = dictionary.text_note("text")
        return [table.name, column.name, "", f"{label} (label)", "text", "", "", "no", "no", note]
    return [
        table.name,
        column.name,
        column.cdash,
        label,
        column.type,
        column.unit,
        "; ".join(f"{code}={text}" for code, text in column.codelist),
        "yes" if column.required else "no",
        "yes" if column.derived else "no",
        dictionary.text_note(column.type),
    ]


def _write_dictionary(archive: Archive, module: ModuleType, tables: list[Table]) -> None:
    with archive.text(DICTIONARY_FILE) as out:
        writer = csv.writer(out)
        writer.writerow(DICTIONARY_COLUMNS)
        writer.writerows(map(dictionary.spreadsheet_row, dictionary_rows(module, tables)))


def _manifest(export: DatasetExport, module, tables: list[Table], archive: Archive) -> dict:
    scope = export.scope
    return {
        "study": protocol.TRIAL_ID,
        "format": export.format,
        "exported_at": export.started_at.astimezone(UTC).isoformat(),
        "exported_by": export.user.get_username(),
        "scope": {
            "sites": list(scope.sites().order_by("code").values_list("code", flat=True)),
            "patients": "selected" if scope.patients is not None else "all",
        },
        "tables": [
            {
                "table": table.name,
                "file": module.file_name(table),
                "rows": archive.rows.get(table.name, 0),
            }
            for table in tables
        ],
        "files": [{"name": f.name, "bytes": f.size, "sha256": f.sha256} for f in archive.files],
    }
