"""The casebook: each visit's forms with their state, the logs, the key facts, and a query
count that does not grow with the patient's visits and forms (with the study's patients:
tests/ecrf/test_entry_patients.py)."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecrf import services
from ecrf.models import (
    AdverseEvent,
    ConcomitantMedication,
    Consent,
    Death,
    Demographics,
    FolfoxCycle,
    Query,
    Visit,
)
from tests.ecrf.builders import randomized
from tests.ecrf.entry_data import as_post, today, valid_entry, with_consent
from tests.factories import make_patient
from trial.history import record_save


def casebook_url(patient):
    return reverse("ecrf:casebook", args=[patient.subject_id])


def cells_of(response, phase: str, visit_code: str) -> dict:
    group = next(g for g in response.context["groups"] if g["phase"] == phase)
    row = next(r for r in group["rows"] if r.visit.code == visit_code)
    return {str(title): cell for title, cell in zip(group["columns"], row.cells, strict=True)}


def raise_query(crf, user, text="Please check against the source"):
    return record_save(
        Query(
            patient=crf.patient,
            site=crf.site,
            form_type=ContentType.objects.get_for_model(crf),
            form_id=crf.pk,
            text=text,
            raised_by=user,
        ),
        acting_user=user,
    )


@pytest.fixture
def screening(s01, inv_s01):
    patient = with_consent(make_patient(s01), inv_s01)
    services.crf_create(
        model=Demographics,
        patient=patient,
        acting_user=inv_s01,
        visit=Visit.objects.get(patient=patient, code="SCR"),
        data={"sex": "F"},
    )
    return patient


def test_new_patient_starts_with_the_screening_visit(client, pat_s01, inv_s01):
    client.force_login(inv_s01)
    response = client.get(casebook_url(pat_s01))
    assert response.status_code == 200
    consent = cells_of(response, "screening", "SCR")["Informed consent"]
    assert consent.state == "not_started"
    assert consent.url.startswith(reverse("ecrf:form_new", args=[pat_s01.subject_id, "consent"]))


def test_screening_visit_shows_each_forms_state(client, screening, inv_s01):
    client.force_login(inv_s01)
    response = client.get(casebook_url(screening))
    cells = cells_of(response, "screening", "SCR")
    assert cells["Informed consent"].state == "complete"
    assert cells["Demographics"].state == "draft"
    assert cells["Eligibility"].state == "not_started"
    assert cells["Eligibility"].url.endswith(
        f"/forms/eligibility/new/?visit={Visit.objects.get(patient=screening, code='SCR').pk}"
    )
    html = response.content.decode()
    assert 'class="state state-draft"' in html and ">Draft<" in html
    assert ">Not started<" in html


def test_closed_window_with_missing_forms_is_overdue(client, s01, inv_s01):
    patient = with_consent(make_patient(s01), inv_s01, days_ago=40)
    client.force_login(inv_s01)
    response = client.get(casebook_url(patient))
    cells = cells_of(response, "screening", "SCR")
    assert cells["Eligibility"].state == "overdue"
    assert cells["Eligibility"].label == "Overdue"


def test_randomized_patient_shows_arm_dates_and_next_visit(client, s01, inv_s01):
    patient = randomized(make_patient(s01), inv_s01)
    client.force_login(inv_s01)
    response = client.get(casebook_url(patient))
    html = response.content.decode()
    assert str(response.context["arm_label"]) in html
    assert response.context["facts"].randomization_date == today()
    next_visit = response.context["next_visit"]
    assert next_visit.code == "C01"
    assert f"Window {today():%Y-%m-%d} to {next_visit.window_end:%Y-%m-%d}" in html
    cells = cells_of(response, "treatment", "C01")
    assert cells["FOLFOX cycle"].state == "not_started"


def test_visits_no_longer_expected_are_not_applicable(client, s01, inv_s01):
    patient = randomized(make_patient(s01), inv_s01)
    data = {"dthdat": today(), "cause": "disease"}
    services.crf_create(
        model=Death,
        patient=patient,
        acting_user=inv_s01,
        data=data,
        complete=True,
    )
    assert Visit.objects.filter(patient=patient, applicable=False).exists()
    client.force_login(inv_s01)
    response = client.get(casebook_url(patient))
    states = {
        cell.state
        for group in response.context["groups"]
        for row in group["rows"]
        if not row.visit.applicable
        for cell in row.cells
        if cell
    }
    assert states == {"not_applicable"}
    log = next(lg for lg in response.context["logs"] if lg.code == "death")
    assert len(log.entries) == 1 and not log.add_url


def test_open_queries_show_as_badges(client, screening, inv_s01, mon_s01):
    consent = Consent.objects.get(patient=screening)
    raise_query(consent, mon_s01)
    raise_query(consent, mon_s01, "Second question")
    client.force_login(inv_s01)
    response = client.get(casebook_url(screening))
    assert cells_of(response, "screening", "SCR")["Informed consent"].queries == 2
    assert response.context["open_queries"] == 2
    assert "2 open queries" in response.content.decode()


def test_logs_have_counts_entries_and_add_links(client, s01, inv_s01):
    patient = randomized(make_patient(s01), inv_s01)
    services.crf_create(
        model=AdverseEvent,
        patient=patient,
        acting_user=inv_s01,
        data=valid_entry("adverse_event", patient),
    )
    client.force_login(inv_s01)
    response = client.get(casebook_url(patient))
    logs = {log.code: log for log in response.context["logs"]}
    assert set(logs) == {
        "adverse_event",
        "concomitant_medication",
        "medical_history",
        "ctdna",
        "protocol_deviation",
        "subsequent_therapy",
        "recurrence",
        "death",
        "end_of_study",
    }
    assert len(logs["adverse_event"].entries) == 1
    assert "Neutrophil count decreased · grade 2" in logs["adverse_event"].entries[0].summary
    assert logs["adverse_event"].add_url.endswith("/forms/adverse_event/new/")
    assert len(logs["medical_history"].entries) == 1


def test_monitor_reads_the_casebook_without_entry_links(client, screening, mon_s01):
    client.force_login(mon_s01)
    response = client.get(casebook_url(screening))
    assert response.status_code == 200
    assert not re.search(r"/forms/\w+/new/", response.content.decode())
    assert cells_of(response, "screening", "SCR")["Eligibility"].url == ""


def test_other_sites_patient_is_not_found(client, screening, inv_s02):
    client.force_login(inv_s02)
    assert client.get(casebook_url(screening)).status_code == 404
    url = reverse("ecrf:form_list", args=[screening.subject_id, "adverse_event"])
    assert client.get(url).status_code == 404


def test_form_list_shows_every_entry(client, screening, inv_s01):
    client.force_login(inv_s01)
    url = reverse("ecrf:form_list", args=[screening.subject_id, "medical_history"])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["add_url"]
    unique = reverse("ecrf:form_list", args=[screening.subject_id, "consent"])
    assert client.get(unique).context["add_url"] == ""


def count_queries(client, url) -> int:
    client.get(url)  # content types and sessions warmed up
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_casebook_query_count_does_not_grow_with_visits_and_forms(client, s01, inv_s01):
    few = with_consent(make_patient(s01), inv_s01)
    many = randomized(make_patient(s01), inv_s01, days_ago=20)
    client.force_login(inv_s01)
    for _ in range(3):
        services.crf_create(
            model=AdverseEvent,
            patient=many,
            acting_user=inv_s01,
            data={"aeptcd": valid_entry("adverse_event", many)["aeptcd"]},
        )
    services.crf_create(
        model=FolfoxCycle,
        patient=many,
        acting_user=inv_s01,
        complete=True,
        data={**as_post(valid_entry("folfox_cycle", many))},
    )
    raise_query(Consent.objects.get(patient=many), inv_s01)
    assert (
        Visit.objects.filter(patient=many).count() > 10 * Visit.objects.filter(patient=few).count()
    )
    assert count_queries(client, casebook_url(few)) == count_queries(client, casebook_url(many))


def test_form_posted_from_a_visit_cell_lands_in_that_cell(client, screening, inv_s01):
    scr = Visit.objects.get(patient=screening, code="SCR")
    client.force_login(inv_s01)
    url = reverse("ecrf:form_new", args=[screening.subject_id, "vital_signs"])
    data = {**as_post(valid_entry("vital_signs", screening)), "visit": scr.pk, "submit": "complete"}
    assert client.post(url, data).status_code == 302
    cells = cells_of(client.get(casebook_url(screening)), "screening", "SCR")
    assert cells["Height and weight"].state == "complete"


def test_next_visit_box_links_to_its_forms(client, s01, inv_s01):
    patient = randomized(make_patient(s01), inv_s01)
    client.force_login(inv_s01)
    [(title, cell)] = client.get(casebook_url(patient)).context["next_forms"]
    assert title == "FOLFOX cycle" and cell.state == "not_started"
    assert "/forms/folfox_cycle/new/?visit=" in cell.url


def test_adverse_events_and_medications_can_be_added_from_the_top(
    client, screening, inv_s01, mon_s01
):
    client.force_login(inv_s01)
    html = client.get(casebook_url(screening)).content.decode()
    assert "Add adverse event" in html and "Add concomitant medication" in html
    client.force_login(mon_s01)
    assert "Add adverse event" not in client.get(casebook_url(screening)).content.decode()


def test_long_log_shows_the_latest_entries_and_links_to_all(client, screening, inv_s01):
    for n in range(7):
        services.crf_create(
            model=ConcomitantMedication,
            patient=screening,
            acting_user=inv_s01,
            data={"cmtrt": f"Medication {n}"},
        )
    client.force_login(inv_s01)
    response = client.get(casebook_url(screening))
    log = next(lg for lg in response.context["logs"] if lg.code == "concomitant_medication")
    assert [e.summary for e in log.latest] == [f"Medication {n}" for n in (6, 5, 4, 3, 2)]
    assert "All 7 entries" in response.content.decode()
