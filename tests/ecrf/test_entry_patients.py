"""The patient list: the user's sites only, search, filters, sorting, pages, counts per
status, and the same number of queries for 20 patients as for 200."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecrf.models import Consent, Query
from tests.ecrf.builders import randomized
from tests.ecrf.entry_data import with_consent
from tests.factories import make_patient
from trial.history import record_save
from trial.randomization import arm_of

URL = reverse("ecrf:patient_list")


def listed(response) -> list[str]:
    return [p.subject_id for p in response.context["patients"]]


def raise_query(patient, user):
    consent = Consent.objects.get(patient=patient)
    return record_save(
        Query(
            patient=patient,
            site=patient.site,
            form_type=ContentType.objects.get_for_model(Consent),
            form_id=consent.pk,
            text="Please check the date",
            raised_by=user,
        ),
        acting_user=user,
    )


@pytest.fixture
def study(s01, s02, inv_s01, inv_s02, mon_s01):
    """S01: one overdue screening patient with an open query, one recent, one randomized;
    S02: one randomized patient."""
    overdue = with_consent(make_patient(s01), inv_s01, days_ago=40)
    raise_query(overdue, mon_s01)
    recent = with_consent(make_patient(s01), inv_s01, days_ago=3)
    rand_s01 = randomized(make_patient(s01), inv_s01)
    rand_s02 = randomized(make_patient(s02), inv_s02)
    return {"overdue": overdue, "recent": recent, "rand_s01": rand_s01, "rand_s02": rand_s02}


def test_home_is_the_patient_list(client, inv_s01):
    client.force_login(inv_s01)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url == URL


def test_lists_the_sites_patients_with_their_facts(client, study, inv_s01):
    client.force_login(inv_s01)
    response = client.get(URL)
    assert listed(response) == [study[k].subject_id for k in ("overdue", "recent", "rand_s01")]
    rows = {p.subject_id: p for p in response.context["patients"]}
    overdue = rows[study["overdue"].subject_id]
    assert overdue.open_queries == 1 and overdue.overdue
    assert not rows[study["recent"].subject_id].overdue
    assert rows[study["rand_s01"].subject_id].arm == arm_of(study["rand_s01"]).value
    html = response.content.decode()
    assert "Overdue visit" in html
    assert study["rand_s02"].subject_id not in html


def test_counts_per_status(client, study, inv_s01, datamanager):
    client.force_login(inv_s01)
    counts = {v: n for v, _label, n in client.get(URL).context["status_counts"]}
    assert counts["screening"] == 2 and counts["randomized"] == 1
    client.force_login(datamanager)
    counts = {v: n for v, _label, n in client.get(URL).context["status_counts"]}
    assert counts["randomized"] == 2


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"q": "-002"}, ["recent"]),
        ({"status": "randomized"}, ["rand_s01"]),
        ({"open_queries": "yes"}, ["overdue"]),
        ({"open_queries": "no"}, ["recent", "rand_s01"]),
        ({"overdue": "yes"}, ["overdue"]),
        ({"overdue": "no"}, ["recent", "rand_s01"]),
        ({"status": "screening", "overdue": "no"}, ["recent"]),
    ],
)
def test_search_and_filters(client, study, inv_s01, query, expected):
    client.force_login(inv_s01)
    assert listed(client.get(URL, query)) == [study[k].subject_id for k in expected]


def test_arm_filter(client, study, inv_s01):
    client.force_login(inv_s01)
    arm = arm_of(study["rand_s01"]).value
    assert listed(client.get(URL, {"arm": arm})) == [study["rand_s01"].subject_id]


def test_status_counts_follow_the_other_filters(client, study, inv_s01):
    client.force_login(inv_s01)
    response = client.get(URL, {"overdue": "yes", "status": "randomized"})
    counts = {v: n for v, _label, n in response.context["status_counts"]}
    assert counts["screening"] == 1 and counts["randomized"] == 0
    assert listed(response) == []
    assert "No patients match these filters." in response.content.decode()


def test_site_filter_for_study_wide_data_manager(client, study, datamanager, s02):
    client.force_login(datamanager)
    assert listed(client.get(URL, {"site": "S02"})) == [study["rand_s02"].subject_id]


def test_site_filter_cannot_reach_another_site(client, study, inv_s01):
    client.force_login(inv_s01)
    response = client.get(URL, {"site": "S02"})
    assert response.status_code == 200
    assert study["rand_s02"].subject_id not in response.content.decode()


def test_bad_filter_values_are_ignored_not_errors(client, study, inv_s01):
    client.force_login(inv_s01)
    response = client.get(URL, {"status": "zombie", "sort": "password", "page": "x"})
    assert response.status_code == 200


def test_sorting_by_column_and_reversed(client, study, inv_s01):
    client.force_login(inv_s01)
    ids = [study[k].subject_id for k in ("overdue", "recent", "rand_s01")]
    assert listed(client.get(URL, {"sort": "-subject"})) == ids[::-1]
    by_consent = listed(client.get(URL, {"sort": "consent"}))
    assert by_consent[0] == study["overdue"].subject_id
    assert listed(client.get(URL, {"sort": "-queries"}))[0] == study["overdue"].subject_id


def test_pages_of_25(client, s01, inv_s01):
    for _ in range(27):
        make_patient(s01)
    client.force_login(inv_s01)
    first = client.get(URL)
    assert len(listed(first)) == 25
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(URL, {"page": 2})
    assert len(listed(second)) == 2


def test_entered_in_error_patients_are_not_listed(client, s01, inv_s01):
    patient = make_patient(s01)
    patient.entered_in_error = True
    record_save(patient, acting_user=inv_s01, reason="Registered twice")
    client.force_login(inv_s01)
    assert listed(client.get(URL)) == []


def count_queries(client, url, query=None) -> int:
    client.get(url, query or {})  # content types and session warmed up
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, query or {}).status_code == 200
    return len(queries)


def add_patients(site, user, monitor, n):
    """Cheap patients: registered, a consent form, and every third an open query; half of
    them past the screening window."""
    for i in range(n):
        patient = with_consent(make_patient(site), user, days_ago=40 if i % 2 else 5)
        if i % 3 == 0:
            raise_query(patient, monitor)


LIST_VIEWS = ({}, {"overdue": "yes", "sort": "-queries"}, {"open_queries": "yes", "page": "2"})


def test_query_count_is_the_same_for_20_and_200_patients(client, s01, inv_s01, mon_s01):
    """The list (plain, filtered and sorted, a later page) and a casebook."""
    patient = randomized(make_patient(s01), inv_s01)
    casebook = reverse("ecrf:casebook", args=[patient.subject_id])
    add_patients(s01, inv_s01, mon_s01, 19)
    client.force_login(inv_s01)
    at_20 = [count_queries(client, URL, query) for query in LIST_VIEWS]
    at_20.append(count_queries(client, casebook))
    add_patients(s01, inv_s01, mon_s01, 180)
    at_200 = [count_queries(client, URL, query) for query in LIST_VIEWS]
    at_200.append(count_queries(client, casebook))
    assert at_20 == at_200


def test_consent_dates_are_iso(client, s01, inv_s01):
    patient = with_consent(make_patient(s01), inv_s01, days_ago=3)
    client.force_login(inv_s01)
    assert patient.consent_date.strftime("%Y-%m-%d") in client.get(URL).content.decode()
