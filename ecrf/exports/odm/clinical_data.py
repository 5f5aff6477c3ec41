"""ClinicalData: each subject with the patients table's items, then their forms grouped by
study event, read in batches of subjects."""

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from lxml import etree

from ...models import Signature
from ..archive import Archive
from ..tables import Output, Scope, Table, chunks
from .elements import (
    LOG_EVENT,
    NS,
    SIGNATURE_DEF,
    SUBJECT_EVENT,
    UNSCHEDULED,
    SubElement,
    item_oid,
    odm_columns,
    tag,
    xml_text,
)

SUBJECT_BATCH = 500
SUBJECT_DATA, SITE_REF, EVENT_DATA, FORM_DATA, GROUP_DATA, ITEM_DATA = map(
    tag, ("SubjectData", "SiteRef", "StudyEventData", "FormData", "ItemGroupData", "ItemData")
)
SIGNATURE, USER_REF, LOCATION_REF, SIGNATURE_REF, STAMP = map(
    tag, ("Signature", "UserRef", "LocationRef", "SignatureRef", "DateTimeStamp")
)


def value_text(value) -> str | None:
    """An item's value as ODM writes it; None for no value (the ItemData is left out)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, (date, int, Decimal)):
        return value.isoformat() if isinstance(value, date) else str(value)
    return xml_text(value)


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
                "signed_at",
                *(c.source for c in columns),
            )
        )
        for subject_id, code, sequence, unscheduled, visit_id, pk, signed_at, *values in rows:
            sort, event, repeat = _event_of(code, sequence, unscheduled, visit_id)
            forms[subject_id].append((sort, event, repeat, index, pk, signed_at, values))
    return forms


def _signatures_of(scope: Scope, subject_ids: list[str]) -> dict[tuple, tuple]:
    """The latest signature of each form of the subjects: (model, pk) -> (user, site, time)."""
    model_of = {ct.pk: ct.model_class() for ct in ContentType.objects.filter(app_label="ecrf")}
    rows = (
        scope.restrict(Signature.objects.filter(patient__subject_id__in=subject_ids))
        .order_by("signed_at", "pk")
        .values_list("form_type", "form_id", "signer__username", "site__code", "signed_at")
    )
    return {(model_of.get(ct), pk): rest for ct, pk, *rest in rows}


def _signature(form: etree._Element, signature: tuple) -> None:
    """The form's e-signature as ODM 1.3.2 has it: who, where, which SignatureDef, when."""
    username, site_code, signed_at = signature
    element = SubElement(form, SIGNATURE)
    SubElement(element, USER_REF, UserOID=f"USR.{username}")
    SubElement(element, LOCATION_REF, LocationOID=f"LOC.{site_code}")
    SubElement(element, SIGNATURE_REF, SignatureOID=SIGNATURE_DEF)
    SubElement(element, STAMP).text = signed_at.astimezone(UTC).isoformat()


def _item_group(form: etree._Element, table: Table, oids: list[str], values) -> None:
    group = SubElement(form, GROUP_DATA, ItemGroupOID=f"IG.{table.name}")
    for oid, value in zip(oids, values, strict=True):
        text = value_text(value)
        if text is not None:
            SubElement(group, ITEM_DATA, ItemOID=oid, Value=text)


def subjects(xf, archive: Archive, tables: list[Table], scope: Scope) -> Iterator[None]:
    patients = tables[0]
    outputs = [Output(c.name, c) for c in patients.columns]
    counts = {table.name: 0 for table in tables}
    oids = {t.name: [item_oid(t, c) for c in odm_columns(t)] for t in tables}
    for batch in chunks(patients.rows(scope, outputs), SUBJECT_BATCH):
        subject_ids = [row[0] for row in batch]
        forms = _forms_of(tables, scope, subject_ids)
        signatures = _signatures_of(scope, subject_ids)
        for subject_id, site_code, *values in batch:
            subject = etree.Element(SUBJECT_DATA, SubjectKey=subject_id, nsmap={None: NS})
            SubElement(subject, SITE_REF, LocationOID=f"LOC.{site_code}")
            event = SubElement(subject, EVENT_DATA, StudyEventOID=SUBJECT_EVENT)
            form = SubElement(event, FORM_DATA, FormOID=f"F.{patients.name}")
            _item_group(form, patients, oids[patients.name], values)
            counts[patients.name] += 1
            event_key = None
            subject_forms = sorted(forms.pop(subject_id, []), key=lambda f: (f[0], f[3], f[4]))
            for _sort, event_oid, repeat, index, pk, signed_at, form_values in subject_forms:
                if (event_oid, repeat) != event_key:
                    event_key = (event_oid, repeat)
                    event = SubElement(subject, EVENT_DATA, StudyEventOID=event_oid)
                    if repeat is not None:
                        event.set("StudyEventRepeatKey", repeat)
                table = tables[index]
                form = SubElement(event, FORM_DATA, FormOID=f"F.{table.name}")
                form.set("FormRepeatKey", str(pk))
                signature = signatures.get((table.model, pk)) if signed_at else None
                if signature is not None:
                    _signature(form, signature)
                _item_group(form, table, oids[table.name], form_values)
                counts[table.name] += 1
            xf.write(subject)
        yield
    for name, rows in counts.items():
        archive.record_rows(name, rows)
