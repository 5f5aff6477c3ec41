"""The audit trail as AuditRecords: every history row of every table, oldest first, whose
SourceID names the form and instance it belongs to."""

from collections.abc import Iterator
from datetime import UTC

from lxml import etree

from ..tables import CHUNK_ROWS, Scope, Table, chunks
from .elements import NS, UNKNOWN_USER, SubElement, tag, xml_text

HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
AUDIT_RECORDS, AUDIT_RECORD, USER_REF, LOCATION_REF, STAMP, REASON, SOURCE = map(
    tag,
    (
        "AuditRecords",
        "AuditRecord",
        "UserRef",
        "LocationRef",
        "DateTimeStamp",
        "ReasonForChange",
        "SourceID",
    ),
)


def histories(tables: list[Table], scope: Scope):
    """Each table with its history rows in the scope."""
    for table in tables:
        history = table.model.history.model
        patient_field = "id" if not table.is_form else "patient"
        yield table, scope.restrict(history.objects.all(), patient_field=patient_field)


def audit_records(xf, tables: list[Table], scope: Scope) -> Iterator[None]:
    for table, history in histories(tables, scope):
        rows = (
            history.order_by("history_date", "history_id")
            .values_list(
                "history_id",
                "id",
                "history_date",
                "history_user__username",
                "history_change_reason",
                "history_type",
                "site__code",
            )
            .iterator(chunk_size=CHUNK_ROWS)
        )
        for batch in chunks(rows):
            records = etree.Element(AUDIT_RECORDS, nsmap={None: NS})
            for history_id, instance, when, username, reason, kind, site_code in batch:
                record = SubElement(records, AUDIT_RECORD, ID=f"AR.{table.name}.{history_id}")
                SubElement(
                    record, USER_REF, UserOID=f"USR.{username}" if username else UNKNOWN_USER
                )
                SubElement(record, LOCATION_REF, LocationOID=f"LOC.{site_code}")
                SubElement(record, STAMP).text = when.astimezone(UTC).isoformat()
                if reason:
                    SubElement(record, REASON).text = xml_text(reason)
                action = HISTORY_TYPES.get(kind, kind)
                SubElement(record, SOURCE).text = f"F.{table.name} {instance} {action}"
            xf.write(records)
            yield
