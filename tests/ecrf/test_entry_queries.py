"""Queries and edit-check findings in the browser: a monitor raises a query on the form
page, the investigator answers it, the monitor closes or re-opens it; site staff explain
findings; refused input comes back at its field with what was typed; the queries list of
the user's sites, with filters, pages and the same number of SQL queries for 6 rows as
for 60."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecrf import services
from ecrf.forms import heading
from ecrf.models import CheckFinding, Consent, Query, VitalSigns
from ecrf.models.workflow import FindingStatus, QueryStatus
from tests.ecrf.entry_data import with_consent
from tests.factories import make_patient

LIST = reverse("ecrf:query_list")


def page(response) -> str:
    return response.content.decode()


def form_url(crf) -> str:
    return reverse("ecrf:form_edit", args=[crf.patient.subject_id, crf.FORM_CODE, crf.pk])


def raise_url(crf) -> str:
    return reverse("ecrf:query_raise", args=[crf.patient.subject_id, crf.FORM_CODE, crf.pk])


def step_url(step, query) -> str:
    crf = Consent.objects.get(pk=query.form_id)
    return reverse(
        f"ecrf:query_{step}",
        args=[crf.patient.subject_id, crf.FORM_CODE, crf.pk, query.pk],
    )


@pytest.fixture
def consent(s01, inv_s01):
    return Consent.objects.get(patient=with_consent(make_patient(s01), inv_s01))


@pytest.fixture
def query(consent, mon_s01):
    return services.raise_query(
        crf=consent, field_name="icversion", text="Sheet reads 2.0?", acting_user=mon_s01
    )


@pytest.fixture
def answered(query, inv_s01):
    return services.answer_query(query=query, answer="Yes, corrected.", acting_user=inv_s01)


# Raising ----------------------------------------------------------------------------------


def test_monitor_raises_a_query_on_an_item(client, consent, mon_s01):
    client.force_login(mon_s01)
    shown = client.get(form_url(consent))
    choices = dict(shown.context["raise_form"].fields["field_name"].choices)
    assert choices[""] == "The whole form" and choices["icversion"] == "Consent form version"
    response = client.post(
        raise_url(consent), {"field_name": "icversion", "text": "Sheet reads 2.0?"}
    )
    assert response.status_code == 302
    assert response.url == form_url(consent) + "#queries"
    query = Query.objects.get()
    assert (query.field_name, query.text, query.raised_by) == (
        "icversion",
        "Sheet reads 2.0?",
        mon_s01,
    )
    html = page(client.get(response.url))
    assert "Sheet reads 2.0?" in html and "Consent form version" in html
    assert "Query raised" in html
    assert f'href="#query-{query.pk}">Query · Open</a>' in html  # flagged under its item


def test_empty_question_comes_back_at_its_field_with_the_item_kept(client, consent, mon_s01):
    client.force_login(mon_s01)
    response = client.post(raise_url(consent), {"field_name": "icversion", "text": "  "})
    assert response.status_code == 200
    form = response.context["raise_form"]
    assert form.errors["text"] == ["Write the question for the site."]
    assert '<option value="icversion" selected>' in page(response)
    assert not Query.objects.exists()


def test_unknown_item_comes_back_with_the_question_kept(client, consent, mon_s01):
    client.force_login(mon_s01)
    response = client.post(raise_url(consent), {"field_name": "height", "text": "Keep me"})
    assert response.status_code == 200
    assert "field_name" in response.context["raise_form"].errors
    assert "Keep me</textarea>" in page(response)


def test_site_staff_see_no_raise_form_and_get_403(client, consent, inv_s01):
    client.force_login(inv_s01)
    assert client.get(form_url(consent)).context["raise_form"] is None
    response = client.post(raise_url(consent), {"field_name": "", "text": "?"})
    assert response.status_code == 403


def test_locked_form_says_why_no_query_can_be_raised(client, consent, dm_s01, mon_s01):
    services.crf_lock(crf=consent, acting_user=dm_s01)
    client.force_login(mon_s01)
    shown = client.get(form_url(consent))
    assert shown.context["raise_form"] is None
    assert "locked" in shown.context["query_refusal"]
    response = client.post(raise_url(consent), {"field_name": "", "text": "?"}, follow=True)
    assert "locked" in page(response)
    assert not Query.objects.exists()


def test_another_sites_staff_get_404(client, consent, query, mon_s02, inv_s02):
    client.force_login(mon_s02)
    assert client.post(raise_url(consent), {"text": "?"}).status_code == 404
    client.force_login(inv_s02)
    assert client.post(step_url("answer", query), {"answer": "x"}).status_code == 404


# Answering, closing, re-opening -----------------------------------------------------------


def test_investigator_answers_an_open_query(client, query, inv_s01):
    client.force_login(inv_s01)
    consent = Consent.objects.get(pk=query.form_id)
    [shown] = client.get(form_url(consent)).context["queries"]
    assert list(shown.step_forms) == ["answer"]
    response = client.post(step_url("answer", query), {"answer": "Corrected to 2.0."})
    assert response.status_code == 302
    query.refresh_from_db()
    assert (query.status, query.answer, query.answered_by) == (
        "answered",
        "Corrected to 2.0.",
        inv_s01,
    )
    html = page(client.get(response.url))
    assert "Corrected to 2.0." in html and "answered by inv_s01" in html


def test_empty_answer_comes_back_at_the_answer_box(client, query, coord_s01):
    client.force_login(coord_s01)
    response = client.post(step_url("answer", query), {"answer": " "})
    assert response.status_code == 200
    [shown] = response.context["queries"]
    assert shown.step_forms["answer"].errors["answer"] == ["Write the answer."]
    query.refresh_from_db()
    assert query.status == QueryStatus.OPEN


@pytest.mark.parametrize("persona", ["mon_s01", "datamanager", "admin_user"])
def test_readers_cannot_answer(client, request, query, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(step_url("answer", query), {"answer": "x"}).status_code == 403


def test_monitor_closes_an_answered_query(client, answered, mon_s01):
    client.force_login(mon_s01)
    consent = Consent.objects.get(pk=answered.form_id)
    [shown] = client.get(form_url(consent)).context["queries"]
    assert list(shown.step_forms) == ["close", "reopen"]
    response = client.post(step_url("close", answered), {"note": ""})
    assert response.status_code == 302
    answered.refresh_from_db()
    assert answered.status == QueryStatus.CLOSED
    after = client.get(response.url)
    assert after.context["queries"] == []
    assert [q.pk for q in after.context["closed_queries"]] == [answered.pk]
    assert 'data-testid="closed-queries"' in page(after)


def test_closing_unanswered_needs_a_note_at_the_note(client, query, mon_s01):
    client.force_login(mon_s01)
    response = client.post(step_url("close", query), {"note": ""})
    assert response.status_code == 200
    [shown] = response.context["queries"]
    assert shown.step_forms["close"].errors["note"]


@pytest.mark.parametrize("step", ["close", "reopen"])
def test_site_staff_cannot_close_or_reopen(client, answered, inv_s01, step):
    client.force_login(inv_s01)
    assert client.post(step_url(step, answered), {"text": "x"}).status_code == 403


def test_monitor_reopens_with_a_new_question_and_the_first_round_stays(
    client, answered, mon_s01, inv_s01
):
    client.force_login(mon_s01)
    response = client.post(step_url("reopen", answered), {"text": "Binder still says 1.0."})
    assert response.status_code == 302
    html = page(client.get(response.url))
    assert "Binder still says 1.0." in html
    assert "Sheet reads 2.0?" in html and "Yes, corrected." in html
    assert "re-opened by mon_s01" in html
    client.force_login(inv_s01)
    [shown] = client.get(response.url).context["queries"]
    assert shown.status == QueryStatus.OPEN and list(shown.step_forms) == ["answer"]


def test_empty_new_question_keeps_the_reopen_box_open(client, answered, mon_s01):
    client.force_login(mon_s01)
    response = client.post(step_url("reopen", answered), {"text": ""})
    assert response.status_code == 200
    [shown] = response.context["queries"]
    assert shown.step_forms["reopen"].errors["text"]
    assert '<details class="mt-2" open>' in page(response)


def test_a_refused_step_says_why_on_the_form(client, answered, inv_s01):
    client.force_login(inv_s01)
    response = client.post(step_url("answer", answered), {"answer": "Again"}, follow=True)
    assert "only an open query can be answered" in page(response)


# Edit-check findings ----------------------------------------------------------------------


@pytest.fixture
def short_vitals(consent, inv_s01):
    patient = consent.patient
    return services.crf_create(
        model=VitalSigns,
        patient=patient,
        acting_user=inv_s01,
        complete=True,
        data={"vsdat": patient.consent_date, "height": 110, "weight": 70},
    )


def explain_url(crf, finding) -> str:
    return reverse(
        "ecrf:finding_explain", args=[crf.patient.subject_id, crf.FORM_CODE, crf.pk, finding.pk]
    )


def test_investigator_explains_a_finding(client, short_vitals, inv_s01):
    finding = CheckFinding.objects.get(form_id=short_vitals.pk, check_id="VS02")
    client.force_login(inv_s01)
    [shown] = client.get(form_url(short_vitals)).context["findings"]
    assert shown.explain_form is not None
    response = client.post(explain_url(short_vitals, finding), {"explanation": "Measured twice"})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.EXPLAINED
    after = client.get(form_url(short_vitals))
    assert after.context["findings"] == []
    assert "Measured twice" in page(after)


def test_empty_explanation_comes_back_at_its_box(client, short_vitals, inv_s01):
    finding = CheckFinding.objects.get(form_id=short_vitals.pk, check_id="VS02")
    client.force_login(inv_s01)
    response = client.post(explain_url(short_vitals, finding), {"explanation": ""})
    assert response.status_code == 200
    [shown] = response.context["findings"]
    assert shown.explain_form.errors["explanation"] == ["Give the explanation."]


def test_monitor_reads_findings_but_cannot_explain(client, short_vitals, mon_s01):
    finding = CheckFinding.objects.get(form_id=short_vitals.pk, check_id="VS02")
    client.force_login(mon_s01)
    [shown] = client.get(form_url(short_vitals)).context["findings"]
    assert shown.explain_form is None
    response = client.post(explain_url(short_vitals, finding), {"explanation": "x"})
    assert response.status_code == 403


# Casebook badges ---------------------------------------------------------------------------


def test_badges_count_queries_waiting_for_the_site(client, answered, mon_s01, inv_s01):
    """An answered query waits for the monitor, not the site: no badge until re-opened."""
    casebook = reverse("ecrf:casebook", args=[answered.patient.subject_id])
    client.force_login(inv_s01)
    assert client.get(casebook).context["open_queries"] == 0
    services.reopen_query(query=answered, text="Still 1.0?", acting_user=mon_s01)
    assert client.get(casebook).context["open_queries"] == 1


# The queries list -------------------------------------------------------------------------


def listed(response) -> list[str]:
    return [row.query.text for row in response.context["rows"]]


@pytest.fixture
def queries_at_both_sites(s02, consent, query, answered, mon_s01, inv_s02, mon_s02):
    closed = services.raise_query(
        crf=consent, field_name="", text="Closed one", acting_user=mon_s01
    )
    services.close_query(query=closed, acting_user=mon_s01, note="Raised by mistake")
    waiting = services.raise_query(
        crf=consent, field_name="dsstdat", text="Date?", acting_user=mon_s01
    )
    other = Consent.objects.get(patient=with_consent(make_patient(s02), inv_s02))
    services.raise_query(crf=other, field_name="", text="S02 question", acting_user=mon_s02)
    return {"answered": answered, "closed": closed, "waiting": waiting, "other": other}


def test_list_shows_waiting_queries_first_with_links_to_the_form(
    client, queries_at_both_sites, inv_s01
):
    client.force_login(inv_s01)
    response = client.get(LIST)
    assert listed(response) == ["Date?", "Sheet reads 2.0?", "Closed one"]
    assert response.context["total"] == 3
    counts = {value: n for value, _label, n in response.context["status_counts"]}
    assert counts == {"open": 1, "answered": 1, "closed": 1}
    row = response.context["rows"][0]
    assert row.url == form_url(Consent.objects.get(pk=row.query.form_id)) + "#queries"
    assert row.item_label == heading(Consent._meta.get_field("dsstdat").verbose_name)
    assert row.url in page(response)


def test_list_filters_by_status_site_and_patient(client, queries_at_both_sites, datamanager, s02):
    client.force_login(datamanager)
    assert listed(client.get(LIST, {"status": "answered"})) == ["Sheet reads 2.0?"]
    assert listed(client.get(LIST, {"site": s02.code})) == ["S02 question"]
    subject = queries_at_both_sites["other"].patient.subject_id
    assert listed(client.get(LIST, {"patient": subject[-3:], "site": s02.code})) == ["S02 question"]
    counts = client.get(LIST, {"status": "closed"}).context["status_counts"]
    assert {value: n for value, _label, n in counts} == {"open": 2, "answered": 1, "closed": 1}


def test_list_cannot_be_filtered_into_another_site(client, queries_at_both_sites, inv_s01, s02):
    client.force_login(inv_s01)
    response = client.get(LIST, {"site": s02.code})
    assert "S02 question" not in listed(response)
    assert response.context["filters"].errors


def test_list_pages_of_25(client, consent, mon_s01):
    for i in range(27):
        services.raise_query(crf=consent, field_name="", text=f"Q{i}", acting_user=mon_s01)
    client.force_login(mon_s01)
    assert len(listed(client.get(LIST))) == 25
    assert len(listed(client.get(LIST, {"page": 2}))) == 2


def count_queries(client, query=None) -> int:
    client.get(LIST, query or {})  # content types and session warmed up
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, query or {}).status_code == 200
    return len(queries)


def add_queries(site, inv, monitor, n):
    """n queries over n / 3 patients, a third answered and a third closed."""
    for i in range(n):
        if i % 3 == 0:
            consent = Consent.objects.get(patient=with_consent(make_patient(site), inv))
        query = services.raise_query(
            crf=consent, field_name="icversion", text=f"Question {i}", acting_user=monitor
        )
        if i % 3:
            services.answer_query(query=query, answer="Checked", acting_user=inv)
        if i % 3 == 2:
            services.close_query(query=query, acting_user=monitor)


LIST_VIEWS = ({}, {"status": "answered"}, {"site": "S01", "patient": "S01"}, {"page": "2"})


def test_list_query_count_is_the_same_for_6_and_60_queries(client, s01, inv_s01, mon_s01):
    add_queries(s01, inv_s01, mon_s01, 6)
    client.force_login(mon_s01)
    at_6 = [count_queries(client, view) for view in LIST_VIEWS]
    add_queries(s01, inv_s01, mon_s01, 54)
    at_60 = [count_queries(client, view) for view in LIST_VIEWS]
    assert at_6 == at_60
