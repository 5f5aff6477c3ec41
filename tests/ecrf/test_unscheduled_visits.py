"""A site adds a visit outside the schedule, chooses its forms, and enters them from the
casebook; bad input is refused at its field and kept."""

from datetime import timedelta

import pytest
from django.urls import reverse

from ecrf import services
from ecrf.models import Visit
from tests.ecrf.builders import randomized
from tests.ecrf.entry_data import today
from tests.factories import make_patient

pytestmark = pytest.mark.django_db


def page(patient):
    return reverse("ecrf:unscheduled_visit", args=[patient.subject_id])


def casebook(patient):
    return reverse("ecrf:casebook", args=[patient.subject_id])


@pytest.fixture
def patient(s01, inv_s01):
    return randomized(make_patient(s01), inv_s01)


def test_investigator_adds_a_visit_and_its_forms_appear_in_the_casebook(client, inv_s01, patient):
    client.force_login(inv_s01)
    assert "Add unscheduled visit" in client.get(casebook(patient)).content.decode()
    response = client.post(
        page(patient),
        {"visit_date": today().isoformat(), "reason": "Fever on day 5", "expected_forms": ["cea"]},
    )
    visit = Visit.objects.get(patient=patient, unscheduled=True)
    assert response.status_code == 302 and response.url.endswith(f"#visit-{visit.pk}")
    assert (visit.code, visit.visit_date, visit.expected_forms) == ("UNS01", today(), ["cea"])
    assert visit.history.get().history_change_reason == "Fever on day 5"
    assert visit.history.get().history_user == inv_s01

    grid = client.get(casebook(patient)).context["groups"]
    unscheduled = next(g for g in grid if g["phase"] == "any")
    row = unscheduled["rows"][0]
    (cell,) = [c for c in row.cells if c]
    assert cell.state == "not_started"
    assert cell.url.endswith(f"/forms/cea/new/?visit={visit.pk}")


def test_a_form_not_entered_the_next_day_is_not_overdue(client, inv_s01, patient):
    services.add_unscheduled_visit(
        patient=patient,
        visit_date=today() - timedelta(days=3),
        acting_user=inv_s01,
        reason="Rash",
        expected_forms=["vital_signs"],
    )
    client.force_login(inv_s01)
    grid = client.get(casebook(patient)).context["groups"]
    (cell,) = [c for c in next(g for g in grid if g["phase"] == "any")["rows"][0].cells if c]
    assert cell.state == "not_started"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"reason": "Fever"}, "visit_date", "Give the date of the visit."),
        ({"visit_date": "2026-02-30", "reason": "Fever"}, "visit_date", "Enter a valid date."),
        ({"visit_date": "TOMORROW", "reason": "Fever"}, "visit_date", "is after today"),
        (
            {"visit_date": "BEFORE_CONSENT", "reason": "Fever"},
            "visit_date",
            "before informed consent",
        ),
        ({"visit_date": "TODAY", "reason": "   "}, "reason", "Give the reason for the visit."),
        (
            {"visit_date": "TODAY", "reason": "Fever", "expected_forms": ["consent"]},
            "expected_forms",
            "Select a valid choice",
        ),
    ],
)
def test_bad_input_is_refused_at_its_field_and_kept(client, inv_s01, patient, data, field, message):
    days = {
        "TODAY": today(),
        "TOMORROW": today() + timedelta(days=1),
        "BEFORE_CONSENT": patient.consent_date - timedelta(days=1),
    }
    if data.get("visit_date") in days:
        data = {**data, "visit_date": days[data["visit_date"]].isoformat()}
    client.force_login(inv_s01)
    response = client.post(page(patient), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    if data.get("reason", "").strip():
        assert f'value="{data["reason"]}"' in response.content.decode()
    assert not Visit.objects.filter(patient=patient, unscheduled=True).exists()


def test_the_service_refuses_forms_not_taken_at_unscheduled_visits(inv_s01, patient):
    with pytest.raises(services.InvalidData) as refused:
        services.add_unscheduled_visit(
            patient=patient,
            visit_date=today(),
            acting_user=inv_s01,
            reason="x",
            expected_forms=["folfox_cycle"],
        )
    assert "expected_forms" in refused.value.errors


def test_monitor_may_not_add_a_visit_and_another_site_sees_nothing(
    client, mon_s01, inv_s02, patient
):
    data = {"visit_date": today().isoformat(), "reason": "Fever"}
    client.force_login(mon_s01)
    assert client.post(page(patient), data).status_code == 403
    client.force_login(inv_s02)
    assert client.post(page(patient), data).status_code == 404
    assert not Visit.objects.filter(patient=patient, unscheduled=True).exists()
