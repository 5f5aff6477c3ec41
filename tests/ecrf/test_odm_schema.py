"""ODM 1.3.2 documents are checked against the CDISC schema shipped with the app, offline."""

import re

import pytest
from lxml import etree

from ecrf.odm_schema import ODM_SCHEMA, validate_odm

EXAMPLE = ODM_SCHEMA.parent / "example-valid.xml"
NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}


def _example_with(path: str, change) -> tuple[bytes, int]:
    """The example document after `change(element)` on the element at `path`, and the line on
    which that element starts in the changed document."""
    tree = etree.parse(str(EXAMPLE))
    change(tree.find(path, namespaces=NS))
    document = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    return document, etree.fromstring(document).find(path, namespaces=NS).sourceline


def test_shipped_example_is_valid_odm_by_path():
    assert validate_odm(EXAMPLE) == []
    assert validate_odm(str(EXAMPLE)) == []


def test_shipped_example_is_valid_odm_as_bytes():
    assert validate_odm(EXAMPLE.read_bytes()) == []


@pytest.mark.parametrize(
    "path, change, attribute",
    [
        (".//odm:StudyEventDef", lambda e: e.attrib.pop("Repeating"), "Repeating"),
        (".//odm:ItemData", lambda e: e.attrib.pop("ItemOID"), "ItemOID"),
        (".", lambda e: e.set("FileType", "Draft"), "FileType"),
    ],
)
def test_invalid_document_is_reported_with_the_line_of_the_error(path, change, attribute):
    document, line = _example_with(path, change)
    assert line > 1
    errors = validate_odm(document)
    assert len(errors) == 1
    assert re.fullmatch(rf"line {line}: .*'{attribute}'.*", errors[0])


def test_document_that_is_not_odm_is_invalid():
    errors = validate_odm(b"<?xml version='1.0'?>\n<study/>")
    assert errors == [
        "line 2: Element 'study': No matching global declaration available for the validation root."
    ]


def test_malformed_xml_is_reported_not_raised():
    errors = validate_odm(EXAMPLE.read_bytes().replace(b"</ODM>", b""))
    assert errors
    assert all(re.match(r"line \d+: not well-formed XML: ", e) for e in errors)


def test_entities_are_refused_not_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read me")
    document = (
        f'<?xml version="1.0"?>\n<!DOCTYPE ODM [<!ENTITY x SYSTEM "{secret.as_uri()}">]>\n'
        '<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3">\n&x;</ODM>'
    ).encode()
    errors = validate_odm(document)
    assert errors == ["line 4: entity reference &x; is not allowed"]
    assert not any("do not read me" in e for e in errors)


def test_missing_file_is_reported_not_raised(tmp_path):
    errors = validate_odm(tmp_path / "missing.xml")
    assert len(errors) == 1
    assert errors[0].startswith("line 0: cannot read ")
