"""The Study element: events in protocol order, forms, item groups, items and code lists."""

import re

from django.utils.encoding import force_str
from lxml import etree

from trial import protocol

from .. import sas
from ..codelists import codelists, key
from ..tables import Table
from .elements import (
    LOG_EVENT,
    MDV_OID,
    NS,
    STUDY_OID,
    SUBJECT_EVENT,
    UNSCHEDULED,
    XML_LANG,
    E,
    item_oid,
    odm_columns,
)

DATA_TYPES = {"text": "text", "integer": "integer", "decimal": "float", "date": "date"}


def _translated(tag: str, text) -> etree._Element:
    return E(tag, {}, E("TranslatedText", {XML_LANG: "en"}, text=force_str(text)))


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
