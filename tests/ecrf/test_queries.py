"""The query services: who raises, answers, closes and re-opens; what is refused and why;
every step in the query's history with the user and the reason. Edit-check findings are
explained by the site and stay explained while the value stands."""

import pytest
from django.core.exceptions import PermissionDenied

from ecrf import selectors, services
from ecrf.models import CheckFinding, Consent, FormStatus, Query, VitalSigns
from ecrf.models.workflow import FindingStatus, QueryStatus
from tests.ecrf.entry_data import with_consent
from tests.factories import make_patient
from trial.patients import mark_patient_entered_in_error


@pytest.fixture
def consent(s01, inv_s01):
    return Consent.objects.get(patient=with_consent(make_patient(s01), inv_s01))


@pytest.fixture
def query(consent, mon_s01):
    return services.raise_query(
        crf=consent,
        field_name="icversion",
        text="The signed sheet reads version 2.0.",
        acting_user=mon_s01,
    )


@pytest.fixture
def answered(query, inv_s01):
    return services.answer_query(
        query=query, answer="Corrected from the source: 2.0.", acting_user=inv_s01
    )


def last_history(query):
    return Query.history.filter(id=query.pk).order_by("-history_id").first()


# Raising ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["mon_s01", "dm_s01", "datamanager"])
def test_monitors_and_data_managers_raise_queries(request, consent, persona):
    user = request.getfixturevalue(persona)
    query = services.raise_query(
        crf=consent, field_name="icversion", text="  Which version?  ", acting_user=user
    )
    assert query.status == QueryStatus.OPEN
    assert (query.field_name, query.text, query.raised_by) == ("icversion", "Which version?", user)
    assert (query.patient, query.site) == (consent.patient, consent.site)
    row = last_history(query)
    assert (row.history_user, row.history_change_reason) == (user, "Query raised")


def test_a_query_may_ask_about_the_whole_form(consent, mon_s01):
    query = services.raise_query(
        crf=consent, field_name="", text="Source missing", acting_user=mon_s01
    )
    assert query.field_name == ""


@pytest.mark.parametrize("persona", ["inv_s01", "coord_s01", "mon_s02", "inv_s02", "admin_user"])
def test_others_cannot_raise_queries(request, consent, persona):
    with pytest.raises(PermissionDenied):
        services.raise_query(
            crf=consent,
            field_name="",
            text="?",
            acting_user=request.getfixturevalue(persona),
        )
    assert not Query.objects.exists()


@pytest.mark.parametrize("text", ["", "   \n "])
def test_empty_question_is_refused_at_the_text(consent, mon_s01, text):
    with pytest.raises(services.InvalidData) as refused:
        services.raise_query(crf=consent, field_name="icversion", text=text, acting_user=mon_s01)
    assert refused.value.errors["text"] == ["Write the question for the site."]
    assert not Query.objects.exists()


def test_item_must_be_one_of_the_forms_items(consent, mon_s01):
    with pytest.raises(services.InvalidData) as refused:
        services.raise_query(crf=consent, field_name="height", text="?", acting_user=mon_s01)
    assert "field_name" in refused.value.errors
    with pytest.raises(services.InvalidData):
        services.raise_query(crf=consent, field_name="status", text="?", acting_user=mon_s01)


def test_no_query_on_a_form_entered_in_error(consent, inv_s01, mon_s01):
    services.crf_mark_entered_in_error(crf=consent, acting_user=inv_s01, reason="Duplicate")
    with pytest.raises(services.TransitionRefused, match="withdrawn as entered in error"):
        services.raise_query(crf=consent, field_name="", text="?", acting_user=mon_s01)


def test_no_query_on_a_patient_entered_in_error(consent, inv_s01, mon_s01):
    mark_patient_entered_in_error(patient=consent.patient, acting_user=inv_s01, reason="Test")
    with pytest.raises(services.TransitionRefused, match="patient was withdrawn"):
        services.raise_query(crf=consent, field_name="", text="?", acting_user=mon_s01)


def test_no_query_on_a_locked_form(consent, dm_s01, mon_s01):
    services.crf_lock(crf=consent, acting_user=dm_s01)
    with pytest.raises(services.TransitionRefused, match="locked"):
        services.raise_query(crf=consent, field_name="", text="?", acting_user=mon_s01)


# Answering --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["inv_s01", "coord_s01"])
def test_site_staff_answer_open_queries(request, query, persona):
    user = request.getfixturevalue(persona)
    answered = services.answer_query(query=query, answer=" Checked: 2.0 ", acting_user=user)
    assert answered.status == QueryStatus.ANSWERED
    assert (answered.answer, answered.answered_by) == ("Checked: 2.0", user)
    assert answered.answered_at is not None
    row = last_history(query)
    assert (row.history_user, row.history_change_reason) == (user, "Query answered")


@pytest.mark.parametrize("persona", ["mon_s01", "datamanager", "inv_s02", "admin_user"])
def test_others_cannot_answer(request, query, persona):
    with pytest.raises(PermissionDenied):
        services.answer_query(query=query, answer="x", acting_user=request.getfixturevalue(persona))
    query.refresh_from_db()
    assert query.status == QueryStatus.OPEN


def test_empty_answer_is_refused_at_the_answer(query, inv_s01):
    with pytest.raises(services.InvalidData) as refused:
        services.answer_query(query=query, answer="  ", acting_user=inv_s01)
    assert refused.value.errors == {"answer": ["Write the answer."]}


def test_an_answered_query_is_not_answered_again(answered, coord_s01):
    with pytest.raises(services.TransitionRefused, match="answered"):
        services.answer_query(query=answered, answer="Again", acting_user=coord_s01)


# Closing and re-opening -------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["mon_s01", "dm_s01", "datamanager"])
def test_monitors_and_data_managers_close_answered_queries(request, answered, persona):
    user = request.getfixturevalue(persona)
    closed = services.close_query(query=answered, acting_user=user)
    assert closed.status == QueryStatus.CLOSED
    assert (closed.closed_by, closed.close_note) == (user, "")
    row = last_history(answered)
    assert (row.history_user, row.history_change_reason) == (user, "Query closed")


@pytest.mark.parametrize("persona", ["inv_s01", "coord_s01", "mon_s02"])
def test_site_staff_and_other_monitors_cannot_close(request, answered, persona):
    with pytest.raises(PermissionDenied):
        services.close_query(query=answered, acting_user=request.getfixturevalue(persona))


def test_closing_an_unanswered_query_needs_a_note(query, mon_s01):
    with pytest.raises(services.InvalidData) as refused:
        services.close_query(query=query, acting_user=mon_s01)
    assert list(refused.value.errors) == ["note"]
    closed = services.close_query(query=query, acting_user=mon_s01, note="Raised by mistake")
    assert (closed.status, closed.close_note) == (QueryStatus.CLOSED, "Raised by mistake")


def test_a_closed_query_is_not_closed_again(answered, mon_s01):
    services.close_query(query=answered, acting_user=mon_s01)
    with pytest.raises(services.TransitionRefused, match="already closed"):
        services.close_query(query=answered, acting_user=mon_s01)


def test_reopening_asks_again_and_keeps_the_earlier_round(answered, mon_s01, inv_s01):
    reopened = services.reopen_query(
        query=answered, text="The sheet in the binder still reads 1.0.", acting_user=mon_s01
    )
    assert reopened.status == QueryStatus.OPEN
    assert reopened.text == "The sheet in the binder still reads 1.0."
    assert (reopened.answer, reopened.answered_by, reopened.answered_at) == ("", None, None)
    row = last_history(answered)
    assert (row.history_user, row.history_change_reason) == (mon_s01, "Query re-opened")
    [shown] = selectors.form_queries(mon_s01, Consent.objects.get(pk=answered.form_id))
    [earlier] = shown.earlier_rounds
    assert earlier.text == "The signed sheet reads version 2.0."
    assert (earlier.answer, earlier.answered_by) == ("Corrected from the source: 2.0.", inv_s01)
    assert earlier.reopened_by == mon_s01


def test_a_closed_query_may_be_reopened(answered, datamanager):
    services.close_query(query=answered, acting_user=datamanager, note="Fine")
    reopened = services.reopen_query(query=answered, text="One more thing", acting_user=datamanager)
    assert (reopened.status, reopened.closed_by, reopened.close_note) == ("open", None, "")


def test_reopening_needs_a_new_question_and_the_right_role(answered, mon_s01, inv_s01, query):
    with pytest.raises(services.InvalidData) as refused:
        services.reopen_query(query=answered, text=" ", acting_user=mon_s01)
    assert list(refused.value.errors) == ["text"]
    with pytest.raises(PermissionDenied):
        services.reopen_query(query=answered, text="Again", acting_user=inv_s01)


def test_an_open_query_is_not_reopened(query, mon_s01):
    with pytest.raises(services.TransitionRefused, match="already open"):
        services.reopen_query(query=query, text="Again", acting_user=mon_s01)


def test_withdrawing_a_form_closes_its_queries(consent, query, inv_s01, mon_s01):
    other = services.raise_query(crf=consent, field_name="", text="Date?", acting_user=mon_s01)
    services.answer_query(query=other, answer="Checked", acting_user=inv_s01)
    services.crf_mark_entered_in_error(crf=consent, acting_user=inv_s01, reason="Duplicate")
    for q in (query, other):
        q.refresh_from_db()
        assert q.status == QueryStatus.CLOSED
        assert q.close_note == "Form entered in error: Duplicate"
        row = last_history(q)
        assert (row.history_user, row.history_change_reason) == (inv_s01, "Form entered in error")


def test_reopening_is_refused_once_the_form_is_withdrawn(answered, inv_s01, mon_s01):
    consent = Consent.objects.get(pk=answered.form_id)
    services.crf_mark_entered_in_error(crf=consent, acting_user=inv_s01, reason="Duplicate")
    with pytest.raises(services.TransitionRefused, match="withdrawn"):
        services.reopen_query(query=answered, text="Again", acting_user=mon_s01)


# Edit-check findings ---------------------------------------------------------------------


@pytest.fixture
def short_patient_vitals(consent, inv_s01):
    """Vital signs with a height of 110 cm: saved, with the soft check VS02 open."""
    patient = consent.patient
    return services.crf_create(
        model=VitalSigns,
        patient=patient,
        acting_user=inv_s01,
        complete=True,
        data={"vsdat": patient.consent_date, "height": 110, "weight": 70},
    )


def finding_of(crf):
    return CheckFinding.objects.filter(form_id=crf.pk, check_id="VS02").latest("created_at")


def test_site_staff_explain_a_finding(short_patient_vitals, coord_s01):
    finding = finding_of(short_patient_vitals)
    explained = services.explain_finding(
        finding=finding, acting_user=coord_s01, explanation=" Achondroplasia, measured twice "
    )
    assert explained.status == FindingStatus.EXPLAINED
    assert explained.explanation == "Achondroplasia, measured twice"
    row = CheckFinding.history.filter(id=finding.pk).order_by("-history_id").first()
    assert (row.history_user, row.history_change_reason) == (coord_s01, "Finding explained")


@pytest.mark.parametrize("persona", ["mon_s01", "datamanager", "inv_s02"])
def test_only_site_staff_explain(request, short_patient_vitals, persona):
    with pytest.raises(PermissionDenied):
        services.explain_finding(
            finding=finding_of(short_patient_vitals),
            acting_user=request.getfixturevalue(persona),
            explanation="x",
        )


def test_empty_or_long_explanation_is_refused(short_patient_vitals, inv_s01):
    finding = finding_of(short_patient_vitals)
    for text in ("  ", "x" * 401):
        with pytest.raises(services.InvalidData) as refused:
            services.explain_finding(finding=finding, acting_user=inv_s01, explanation=text)
        assert list(refused.value.errors) == ["explanation"]


def test_explanation_stands_until_the_item_changes(short_patient_vitals, inv_s01):
    finding = finding_of(short_patient_vitals)
    services.explain_finding(finding=finding, acting_user=inv_s01, explanation="Measured twice")
    vitals = services.crf_save(
        crf=short_patient_vitals,
        data={"weight": 71},
        acting_user=inv_s01,
        loaded_version=short_patient_vitals.version,
        reason="Transcription error",
    )
    assert finding_of(vitals).pk == finding.pk
    assert finding_of(vitals).status == FindingStatus.EXPLAINED
    vitals = services.crf_save(
        crf=vitals,
        data={"height": 112},
        acting_user=inv_s01,
        loaded_version=vitals.version,
        reason="Transcription error",
    )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED
    assert finding_of(vitals).status == FindingStatus.OPEN


def test_a_resolved_finding_needs_no_explanation(short_patient_vitals, inv_s01):
    finding = finding_of(short_patient_vitals)
    services.crf_save(
        crf=short_patient_vitals,
        data={"height": 170},
        acting_user=inv_s01,
        loaded_version=short_patient_vitals.version,
        reason="Transcription error",
    )
    with pytest.raises(services.TransitionRefused):
        services.explain_finding(finding=finding, acting_user=inv_s01, explanation="x")
    assert short_patient_vitals.status == FormStatus.COMPLETE
