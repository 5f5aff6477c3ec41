"""The ODM namespace, the OIDs of the study's parts, and elements built in that namespace."""

import re

from lxml import etree

from trial import protocol

from ..tables import Column, Table

NS = "http://www.cdisc.org/ns/odm/v1.3"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FILE = f"{protocol.TRIAL_ID}.odm.xml"
STUDY_OID = f"ST.{protocol.TRIAL_ID}"
MDV_OID = "MDV.1"
SUBJECT_EVENT = "SE.SUBJECT"  # the patients table: data about the subject, not a visit
LOG_EVENT = "SE.LOG"  # forms kept as logs, tied to no visit
UNSCHEDULED = protocol.UNSCHEDULED.code
UNKNOWN_USER = "USR.unknown"
SIGNATURE_DEF = "SD.INVESTIGATOR"  # the one meaning an investigator's e-signature has
# Characters XML 1.0 cannot hold; free text may contain them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
SubElement = etree.SubElement  # children join their parent's document, much cheaper than Element


def E(tag: str, attrib: dict | None = None, *children, text: str | None = None, nsmap=None):
    element = etree.Element(f"{{{NS}}}{tag}", attrib or {}, nsmap=nsmap)
    element.extend(children)
    if text is not None:
        element.text = xml_text(text)
    return element


def tag(name: str) -> str:
    return f"{{{NS}}}{name}"


def xml_text(value) -> str:
    text = str(value)
    return NOT_XML.sub("", text) if NOT_XML.search(text) else text


def odm_columns(table: Table) -> list[Column]:
    """The items of a table: the keys are structural in ODM, except the form's status."""
    return [c for c in table.columns if not c.key or (table.is_form and c.name == "status")]


def item_oid(table: Table, column: Column) -> str:
    return f"IT.{table.name}.{column.name}"
