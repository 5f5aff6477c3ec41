"""CDISC ODM 1.3.2: one Snapshot document with the study's metadata (visits, forms, item groups,
items, code lists), the sites and users, every subject's data and the audit trail.

Written with lxml's incremental writer straight into the ZIP. Subjects are read in batches and
each batch is written before the next is read; the audit trail streams from the history tables
after the subjects, as AuditRecords whose SourceID names the form and instance they belong to.
Keys are structural: the subject is SubjectKey, the site SiteRef, the visit the StudyEvent (its
repeat key the visit for unscheduled ones), the form FormOID with the instance as FormRepeatKey.

- elements: the namespace, the OIDs and the items of each table;
- metadata: the Study element (events, forms, item groups, items, code lists);
- admin_data: the users and the sites;
- clinical_data: each subject's forms and their values;
- audit_records: the history rows of every table.
"""

from collections.abc import Iterator
from datetime import UTC

from django.utils import timezone
from lxml import etree

from trial import protocol

from ..archive import Archive
from ..tables import Output, Scope, Table
from .admin_data import admin_data
from .audit_records import audit_records
from .clinical_data import subjects, value_text
from .elements import FILE, LOG_EVENT, MDV_OID, NS, STUDY_OID, SUBJECT_EVENT, item_oid, odm_columns
from .metadata import study

__all__ = [
    "FILE",
    "LOG_EVENT",
    "SUBJECT_EVENT",
    "admin_data",
    "file_name",
    "item_oid",
    "layout",
    "odm_columns",
    "study",
    "value_text",
    "write",
]


def file_name(table: Table) -> str:
    return FILE


def layout(table: Table) -> list[Output]:
    return [Output(item_oid(table, c), c) for c in odm_columns(table)]


def write(archive: Archive, tables: list[Table], scope: Scope) -> Iterator[None]:
    now = timezone.now().astimezone(UTC)
    with archive.binary(FILE) as out, etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        root = {
            "FileType": "Snapshot",
            "Granularity": "All",
            "FileOID": f"{protocol.TRIAL_ID}.{now:%Y%m%dT%H%M%S}",
            "CreationDateTime": now.isoformat(),
            "ODMVersion": "1.3.2",
            "SourceSystem": "NCT05797077 eCRF",
        }
        with xf.element(f"{{{NS}}}ODM", root, nsmap={None: NS}):
            xf.write(study(tables))
            yield
            xf.write(admin_data(tables, scope))
            yield
            with xf.element(
                f"{{{NS}}}ClinicalData", StudyOID=STUDY_OID, MetaDataVersionOID=MDV_OID
            ):
                yield from subjects(xf, archive, tables, scope)
                yield from audit_records(xf, tables, scope)
