"""The ODM 1.3.2 document: valid against the schema, every subject's data, the audit trail."""

import io
import zipfile
from datetime import UTC

import pytest
from lxml import etree

from ecrf import services
from ecrf.exports import odm
from ecrf.exports.dataset import start_export
from ecrf.exports.tables import dataset_tables
from ecrf.models import CRF_MODELS, AdverseEvent
from ecrf.odm_schema import validate_odm
from ecrf.signatures import MEANING
from tests.ecrf.test_export_dataset import build_study, rolled_back
from tests.ecrf.test_export_formats import canonical, database_rows
from tests.factories import PASSWORD
from trial.models import Patient

NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}
TABLES = dataset_tables()


@pytest.fixture(scope="module")
def study(django_db_setup, django_db_blocker):
    yield from rolled_back(django_db_blocker, build_study)


def odm_document(user, **kwargs) -> bytes:
    export = start_export(user=user, format="odm", **kwargs)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(export.chunks())))
    assert set(archive.namelist()) == {odm.FILE, "dictionary.csv", "manifest.json"}
    return archive.read(odm.FILE)


def test_document_validates_against_the_odm_schema(db, study):
    assert validate_odm(odm_document(study.datamanager)) == []


def test_metadata_holds_every_form_item_and_code_list(db, study):
    tree = etree.fromstring(odm_document(study.datamanager))
    mdv = tree.find("odm:Study/odm:MetaDataVersion", NS)
    forms = {f.get("OID") for f in mdv.findall("odm:FormDef", NS)}
    assert forms == {f"F.{t.name}" for t in TABLES}
    items = {i.get("OID"): i for i in mdv.findall("odm:ItemDef", NS)}
    grade = items["IT.adverse_event.aetoxgr"]
    assert grade.get("DataType") == "integer"
    assert grade.get("SDSVarName") == "AETOXGR"
    codelist_oid = grade.find("odm:CodeListRef", NS).get("CodeListOID")
    codelist = mdv.find(f"odm:CodeList[@OID='{codelist_oid}']", NS)
    decoded = {
        c.get("CodedValue"): c.findtext("odm:Decode/odm:TranslatedText", namespaces=NS)
        for c in codelist.findall("odm:CodeListItem", NS)
    }
    assert decoded == {str(g): str(g) for g in range(1, 6)}
    outcome = items["IT.adverse_event.aeout"].find("odm:CodeListRef", NS).get("CodeListOID")
    assert mdv.find(f"odm:CodeList[@OID='{outcome}']", NS).get("SASFormatName") == "$AEOUTF"
    assert len(items) == sum(len(odm.layout(t)) for t in TABLES)


def item_values(tree) -> dict[tuple, dict]:
    """(subject, form, instance) -> {item name: value} from the ClinicalData."""
    found = {}
    for subject in tree.iterfind("odm:ClinicalData/odm:SubjectData", NS):
        for form in subject.iterfind("odm:StudyEventData/odm:FormData", NS):
            name = form.get("FormOID").removeprefix("F.")
            values = {
                i.get("ItemOID").rsplit(".", 1)[1]: i.get("Value")
                for i in form.iterfind("odm:ItemGroupData/odm:ItemData", NS)
            }
            found[(subject.get("SubjectKey"), name, form.get("FormRepeatKey"))] = values
    return found


def test_clinical_data_reads_back_with_the_database_values(db, study):
    found = item_values(etree.fromstring(odm_document(study.datamanager)))
    expected_forms = 0
    for table in TABLES:
        for row in database_rows(table):
            instance = str(row["instance"]) if table.is_form else None
            values = found[(row["subject_id"], table.name, instance)]
            for column in odm.odm_columns(table):
                if column.local_date:
                    continue
                want = canonical(row[column.name], column.type)
                got = values.get(column.name)
                if column.type == "boolean" and got is not None:
                    got = {"true": 1.0, "false": 0.0}[got]
                elif column.type == "date" and got is not None:
                    want = want.isoformat()
                elif got is not None:
                    got = canonical(got if column.type == "text" else float(got), column.type)
                assert got == want, (table.name, column.name)
            expected_forms += 1
    assert expected_forms == len(found)


def test_forms_sit_in_their_visit_and_logs_in_the_log_event(db, study):
    tree = etree.fromstring(odm_document(study.datamanager))
    subject = tree.find(
        f"odm:ClinicalData/odm:SubjectData[@SubjectKey='{study.s01_patients[0].subject_id}']", NS
    )
    assert subject.find("odm:SiteRef", NS).get("LocationOID") == "LOC.S01"
    events = [e.get("StudyEventOID") for e in subject.findall("odm:StudyEventData", NS)]
    assert events[0] == odm.SUBJECT_EVENT and "SE.SCR" in events and events[-1] == odm.LOG_EVENT
    screening = subject.find("odm:StudyEventData[@StudyEventOID='SE.SCR']", NS)
    assert "F.consent" in {f.get("FormOID") for f in screening.findall("odm:FormData", NS)}


def test_audit_records_hold_who_when_and_why_of_every_history_row(db, study):
    tree = etree.fromstring(odm_document(study.datamanager))
    records = tree.findall("odm:ClinicalData/odm:AuditRecords/odm:AuditRecord", NS)
    history_rows = sum(m.history.count() for m in CRF_MODELS) + Patient.history.count()
    assert len(records) == history_rows
    ae = AdverseEvent.objects.get(patient=study.s01_patients[0])
    trail = [
        r
        for r in records
        if r.findtext("odm:SourceID", namespaces=NS).startswith(f"F.adverse_event {ae.pk} ")
    ]
    reasons = [r.findtext("odm:ReasonForChange", namespaces=NS) for r in trail]
    assert "Grade corrected from source" in reasons
    changed = next(
        r
        for r in trail
        if r.findtext("odm:ReasonForChange", namespaces=NS) == "Grade corrected from source"
    )
    assert changed.find("odm:UserRef", NS).get("UserOID") == "USR.inv_s01"
    assert changed.find("odm:LocationRef", NS).get("LocationOID") == "LOC.S01"
    users = {u.get("OID") for u in tree.findall("odm:AdminData/odm:User", NS)}
    assert {"USR.inv_s01", "USR.inv_s02"} <= users


def test_site_data_manager_document_has_nothing_of_another_site(db, study):
    document = odm_document(study.dm_s01)
    assert validate_odm(document) == []
    tree = etree.fromstring(document)
    subjects = {s.get("SubjectKey") for s in tree.iterfind(".//odm:SubjectData", NS)}
    assert subjects == {p.subject_id for p in study.s01_patients}
    locations = {loc.get("OID") for loc in tree.iterfind(".//odm:Location", NS)}
    assert locations == {"LOC.S01"}
    assert {r.get("LocationOID") for r in tree.iterfind(".//odm:LocationRef", NS)} == {"LOC.S01"}
    assert b"S02" not in document and b"inv_s02" not in document


def test_signed_form_carries_its_signature_and_the_signature_definition(db, study):
    ae = AdverseEvent.objects.filter(patient=study.s01_patients[0]).live().get()
    signed = services.crf_sign(crf=ae, acting_user=study.inv_s01, password=PASSWORD)
    document = odm_document(study.datamanager)
    assert validate_odm(document) == []
    tree = etree.fromstring(document)
    definition = tree.find("odm:AdminData/odm:SignatureDef", NS)
    assert definition.get("Methodology") == "Electronic"
    assert definition.findtext("odm:Meaning", namespaces=NS) == MEANING
    assert definition.findtext("odm:LegalReason", namespaces=NS) == "21 CFR Part 11"
    form = tree.find(f".//odm:FormData[@FormOID='F.adverse_event'][@FormRepeatKey='{ae.pk}']", NS)
    signature = form.find("odm:Signature", NS)
    assert signature.find("odm:UserRef", NS).get("UserOID") == "USR.inv_s01"
    assert signature.find("odm:LocationRef", NS).get("LocationOID") == "LOC.S01"
    assert signature.find("odm:SignatureRef", NS).get("SignatureOID") == definition.get("OID")
    stamp = signature.findtext("odm:DateTimeStamp", namespaces=NS)
    assert stamp == signed.signed_at.astimezone(UTC).isoformat()
    signed_forms = tree.findall(".//odm:FormData[odm:Signature]", NS)
    assert len(signed_forms) == 1
