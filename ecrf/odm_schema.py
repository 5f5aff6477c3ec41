"""Validation of CDISC ODM 1.3.2 documents against the schema shipped in `ecrf/standards/`.

Every `schemaLocation` in `ecrf/standards/odm-1.3.2/` names a local file and the parsers run with
`no_network=True`, so validation never touches the network; entity expansion and DTD loading are
off so that a document cannot pull in files or external entities.
"""

import io
import os
import threading
from functools import cache
from pathlib import Path

from lxml import etree

ODM_SCHEMA = Path(__file__).resolve().parent / "standards" / "odm-1.3.2" / "ODM1-3-2.xsd"

# An XMLSchema keeps the errors of its last run on itself, so runs must not overlap.
_validation_lock = threading.Lock()


def _parser() -> etree.XMLParser:
    return etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(ODM_SCHEMA), _parser()))


def validate_odm(xml: bytes | str | os.PathLike) -> list[str]:
    """Errors of an ODM document (its bytes, or the path of a file) as "line N: message" strings;
    an empty list means the document is valid ODM 1.3.2."""
    source = io.BytesIO(xml) if isinstance(xml, bytes | bytearray) else os.fspath(xml)
    parser = _parser()
    try:
        document = etree.parse(source, parser)
    except etree.XMLSyntaxError as exc:
        return [f"line {e.line}: not well-formed XML: {e.message}" for e in parser.error_log] or [
            f"line {exc.lineno}: not well-formed XML: {exc.msg}"
        ]
    except OSError as exc:
        return [f"line 0: cannot read {source}: {exc}"]
    # Entities are left unexpanded, and the schema validator cannot check an entity reference.
    entities = [
        f"line {e.sourceline}: entity reference {e} is not allowed"
        for e in document.iter(etree.Entity)
    ]
    if entities:
        return entities
    schema = _schema()
    with _validation_lock:
        if schema.validate(document):
            return []
        return [f"line {e.line}: {e.message}" for e in schema.error_log]
