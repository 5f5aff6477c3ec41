"""CDISC ODM 1.3.2: one Snapshot document with the study's metadata (visits, forms, item groups,
items, code lists), the sites and users, every subject's data and the audit trail.

Written with lxml's incremental writer straight into the ZIP. Subjects are read in batches and
each batch is written before the next is read; the audit trail streams from the history tables
after the subjects, as AuditRecords whose SourceID names the form and instance they belong to.
Keys are structural: the subject is SubjectKey, the site SiteRef, the visit the StudyEvent (its
repeat key the visit for unscheduled ones), the form FormOID with the instance as FormRepeatKey.
"""

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db.models import Min
from django.utils import timezone
from django.utils.encoding import force_str
from lxml import etree

from trial import protocol
from trial.models import Patient

from . import sas
from .archive import Archive
from .codelists import codelists, key
from .tables import CHUNK_ROWS, Column, Output, Scope, Table, chunks

NS = "http://www.cdisc.org/ns/odm/v1.3"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FILE = f"{protocol.TRIAL_ID}.odm.xml"
STUDY_OID = f"ST.{protocol.TRIAL_ID}"
MDV_OID = "MDV.1"
SUBJECT_EVENT = "SE.SUBJECT"  # the patients table: data about the subject, not a visit
LOG_EVENT = "SE.LOG"  # forms kept as logs, tied to no visit
UNSCHEDULED = protocol.UNSCHEDULED.code
SUBJECT_BATCH = 500
UNKNOWN_USER = "USR.unknown"
DATA_TYPES = {"text": "text", "integer": "integer", "decimal": "float", "date": "date"}
HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
# Characters XML 1.0 cannot hold; free text may contain them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def E(tag: str, attrib: dict | None = None, *children, text: str | None = None, nsmap=None):
    element = etree.Element(f"{{{NS}}}{tag}", attrib or {}, nsmap=nsmap)
    element.extend(children)
    if text is not None:
        element.text = _xml_text(text)
    return element


def _xml_text(value) -> str:
    text = str(value)
    return NOT_XML.sub("", text) if NOT_XML.search(text) else text


def _translated(tag: str, text) -> etree._Element:
    return E(tag, {}, E("TranslatedText", {XML_LANG: "en"}, text=force_str(text)))


def file_name(table: Table) -> str:
    return FILE


def odm_columns(table: Table) -> list[Column]:
    """The items of a table: the keys are structural in ODM, except the form's status."""
    return [c for c in table.columns if not c.key or (table.is_form and c.name == "status")]


def item_oid(table: Table, column: Column) -> str:
    return f"IT.{table.name}.{column.name}"


def layout(table: Table) -> list[Output]:
    return [Output(item_oid(table, c), c) for c in odm_columns(table)]


def value_text(value) -> str | None:
    """An item's value as ODM writes it; None for no value (the ItemData is left out)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return _xml_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, (date, int, Decimal)):
        return value.isoformat() if isinstance(value, date) else str(value)
    return _xml_text(value)


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
                yield from _subjects(xf, archive, tables, scope)
                yield from _audit_records(xf, tables, scope)


# Metadata ---------------------------------------------------------------------------------


def _events(tables: list[Table]) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    """(OID, name, repeating, type, form codes) of every study event, in protocol order."""
    every_form = tuple(t.name for t in tables if t.is_form)
    events = [(SUBJECT_EVENT, "Subject and randomization", "No", "Common", ("patients",))]
    for visit in (*protocol.VISITS, protocol.UNSCHEDULED, protocol.END_OF_STUDY):
        unscheduled = visit.code == UNSCHEDULED
        events.append(
            (
                f"SE.{visit.code}",
                visit.name,
                "Yes" if unscheduled else "No",
                "Unscheduled" if unscheduled else "Scheduled",
                every_form if unscheduled else visit.forms,
            )
        )
    events.append((LOG_EVENT, "Logs (not tied to a visit)", "No", "Common", every_form))
    return events


def study(tables: list[Table]) -> etree._Element:
    lists = codelists(tables)
    units = sorted({c.unit for t in tables for c in t.columns if c.unit})
    unit_oids = {unit: f"MU.{n}" for n, unit in enumerate(units, start=1)}
    datasets = sas.dataset_names(tables)
    mdv = E("MetaDataVersion", {"OID": MDV_OID, "Name": "eCRF version 1"})
    events = _events(tables)
    mdv.append(
        E(
            "Protocol",
            {},
            *(
                E("StudyEventRef", {"StudyEventOID": oid, "OrderNumber": str(n), "Mandatory": "No"})
                for n, (oid, *_rest) in enumerate(events, start=1)
            ),
        )
    )
    for oid, name, repeating, kind, forms in events:
        event = E("StudyEventDef", {"OID": oid, "Name": name, "Repeating": repeating, "Type": kind})
        for form in forms:
            event.append(E("FormRef", {"FormOID": f"F.{form}", "Mandatory": "No"}))
        mdv.append(event)
    for table in tables:
        repeating = "Yes" if table.repeating else "No"
        mdv.append(
            E(
                "FormDef",
                {"OID": f"F.{table.name}", "Name": table.label, "Repeating": repeating},
                E("ItemGroupRef", {"ItemGroupOID": f"IG.{table.name}", "Mandatory": "Yes"}),
            )
        )
    for table in tables:
        group = E(
            "ItemGroupDef",
            {
                "OID": f"IG.{table.name}",
                "Name": table.label,
                "Repeating": "No",
                "SASDatasetName": datasets[table.name],
            },
        )
        for n, column in enumerate(odm_columns(table), start=1):
            group.append(
                E(
                    "ItemRef",
                    {
                        "ItemOID": item_oid(table, column),
                        "OrderNumber": str(n),
                        "Mandatory": "Yes" if column.required else "No",
                    },
                )
            )
        mdv.append(group)
    for table in tables:
        sas_names = {o.column.name: o.name for o in sas.layout(table)}
        for column in odm_columns(table):
            mdv.append(_item_def(table, column, sas_names[column.name], lists, unit_oids))
    for codelist in lists.values():
        if codelist.data_type == "boolean":
            continue
        mdv.append(
            E(
                "CodeList",
                {
                    "OID": codelist.oid,
                    "Name": codelist.sas_format.lstrip("$"),
                    "DataType": codelist.data_type,
                    "SASFormatName": codelist.sas_format,
                },
                *(
                    E("CodeListItem", {"CodedValue": code}, _translated("Decode", label))
                    for code, label in codelist.items
                ),
            )
        )
    basic = E(
        "BasicDefinitions",
        {},
        *(
            E("MeasurementUnit", {"OID": oid, "Name": unit}, _translated("Symbol", unit))
            for unit, oid in unit_oids.items()
        ),
    )
    global_variables = E(
        "GlobalVariables",
        {},
        E("StudyName", text=protocol.TRIAL_ID),
        E("StudyDescription", text=protocol.TITLE),
        E("ProtocolName", text=protocol.TRIAL_ID),
    )
    return E("Study", {"OID": STUDY_OID}, global_variables, basic, mdv, nsmap={None: NS})


def _item_def(table, column, sas_name, lists, unit_oids) -> etree._Element:
    attrib = {
        "OID": item_oid(table, column),
        "Name": column.name,
        "DataType": "boolean" if column.type == "boolean" else DATA_TYPES[column.type],
    }
    if column.type == "text" and column.max_length:
        attrib["Length"] = str(column.max_length)
    if column.type == "decimal" and column.decimal_places is not None:
        attrib["SignificantDigits"] = str(column.decimal_places)
    attrib["SASFieldName"] = sas_name
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,7}", column.cdash):
        attrib["SDSVarName"] = column.cdash
    item = E("ItemDef", attrib, _translated("Question", column.label))
    if column.unit:
        item.append(E("MeasurementUnitRef", {"MeasurementUnitOID": unit_oids[column.unit]}))
    if column.coded and column.type != "boolean":
        item.append(E("CodeListRef", {"CodeListOID": lists[key(column)].oid}))
    return item


# Administrative data ----------------------------------------------------------------------


def _histories(tables: list[Table], scope: Scope):
    for table in tables:
        history = table.model.history.model
        patient_field = "id" if not table.is_form else "patient"
        yield table, scope.restrict(history.objects.all(), patient_field=patient_field)


def admin_data(tables: list[Table], scope: Scope) -> etree._Element:
    usernames: set[str | None] = set()
    for _table, history in _histories(tables, scope):
        usernames.update(history.values_list("history_user__username", flat=True).distinct())
    admin = E("AdminData", {"StudyOID": STUDY_OID}, nsmap={None: NS})
    for username in sorted(u for u in usernames if u):
        admin.append(E("User", {"OID": f"USR.{username}"}, E("LoginName", text=username)))
    if None in usernames:
        admin.append(E("User", {"OID": UNKNOWN_USER}, E("LoginName", text="unknown")))
    first = dict(
        scope.restrict(Patient.objects.all(), patient_field="pk")
        .values("site")
        .annotate(first=Min("created_at"))
        .values_list("site", "first")
    )
    for site in scope.sites().order_by("code"):
        effective = first.get(site.pk) or timezone.now()
        admin.append(
            E(
                "Location",
                {"OID": f"LOC.{site.code}", "Name": site.name, "LocationType": "Site"},
                E(
                    "MetaDataVersionRef",
                    {
                        "StudyOID": STUDY_OID,
                        "MetaDataVersionOID": MDV_OID,
                        "EffectiveDate": effective.date().isoformat(),
                    },
                ),
            )
        )
    return admin


# Clinical data ----------------------------------------------------------------------------


def _event_of(visit_code, visit_sequence, unscheduled, visit_id) -> tuple:
    """(sort key, StudyEventOID, StudyEventRepeatKey) of a form's visit."""
    if visit_code is None:
        return ((2, 0, 0), LOG_EVENT, None)
    if unscheduled:
        return ((1, visit_sequence or 0, visit_id), f"SE.{UNSCHEDULED}", str(visit_id))
    return ((1, visit_sequence or 0, 0), f"SE.{visit_code}", None)


def _forms_of(tables: list[Table], scope: Scope, subject_ids: list[str]) -> dict[str, list]:
    forms: dict[str, list] = defaultdict(list)
    for index, table in enumerate(tables):
        if not table.is_form:
            continue
        columns = odm_columns(table)
        rows = (
            table.queryset(scope)
            .filter(patient__subject_id__in=subject_ids)
            .values_list(
                "patient__subject_id",
                "visit__code",
                "visit__sequence",
                "visit__unscheduled",
                "visit_id",
                "pk",
                *(c.source for c in columns),
            )
        )
        for subject_id, code, sequence, unscheduled, visit_id, pk, *values in rows:
            sort, event, repeat = _event_of(code, sequence, unscheduled, visit_id)
            forms[subject_id].append((sort, event, repeat, index, pk, values))
    return forms


def _tag(name: str) -> str:
    return f"{{{NS}}}{name}"


SUBJECT_DATA, SITE_REF, EVENT_DATA, FORM_DATA, GROUP_DATA, ITEM_DATA = map(
    _tag, ("SubjectData", "SiteRef", "StudyEventData", "FormData", "ItemGroupData", "ItemData")
)
AUDIT_RECORDS, AUDIT_RECORD, USER_REF, LOCATION_REF, STAMP, REASON, SOURCE = map(
    _tag,
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
SubElement = etree.SubElement  # children join their parent's document, much cheaper than Element


def _item_group(form: etree._Element, table: Table, oids: list[str], values) -> None:
    group = SubElement(form, GROUP_DATA, ItemGroupOID=f"IG.{table.name}")
    for oid, value in zip(oids, values, strict=True):
        text = value_text(value)
        if text is not None:
            SubElement(group, ITEM_DATA, ItemOID=oid, Value=text)


def _subjects(xf, archive: Archive, tables: list[Table], scope: Scope) -> Iterator[None]:
    patients = tables[0]
    outputs = [Output(c.name, c) for c in patients.columns]
    counts = {table.name: 0 for table in tables}
    oids = {t.name: [item_oid(t, c) for c in odm_columns(t)] for t in tables}
    for batch in chunks(patients.rows(scope, outputs), SUBJECT_BATCH):
        forms = _forms_of(tables, scope, [row[0] for row in batch])
        for subject_id, site_code, *values in batch:
            subject = etree.Element(SUBJECT_DATA, SubjectKey=subject_id, nsmap={None: NS})
            SubElement(subject, SITE_REF, LocationOID=f"LOC.{site_code}")
            event = SubElement(subject, EVENT_DATA, StudyEventOID=SUBJECT_EVENT)
            form = SubElement(event, FORM_DATA, FormOID=f"F.{patients.name}")
            _item_group(form, patients, oids[patients.name], values)
            counts[patients.name] += 1
            event_key = None
            subject_forms = sorted(forms.pop(subject_id, []), key=lambda f: (f[0], f[3], f[4]))
            for _sort, event_oid, repeat, index, pk, form_values in subject_forms:
                if (event_oid, repeat) != event_key:
                    event_key = (event_oid, repeat)
                    event = SubElement(subject, EVENT_DATA, StudyEventOID=event_oid)
                    if repeat is not None:
                        event.set("StudyEventRepeatKey", repeat)
                table = tables[index]
                form = SubElement(event, FORM_DATA, FormOID=f"F.{table.name}")
                form.set("FormRepeatKey", str(pk))
                _item_group(form, table, oids[table.name], form_values)
                counts[table.name] += 1
            xf.write(subject)
        yield
    for name, rows in counts.items():
        archive.record_rows(name, rows)


def _audit_records(xf, tables: list[Table], scope: Scope) -> Iterator[None]:
    for table, history in _histories(tables, scope):
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
                    SubElement(record, REASON).text = _xml_text(reason)
                action = HISTORY_TYPES.get(kind, kind)
                SubElement(record, SOURCE).text = f"F.{table.name} {instance} {action}"
            xf.write(records)
            yield
