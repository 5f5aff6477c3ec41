"""Withdrawing a form entered in error from its page: with a reason, by the site's data entry
staff, never deleted, never for a locked form."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from ecrf import services
from ecrf.models import VitalSigns
from tests.ecrf.entry_data import with_consent
from tests.factories import make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def vitals(s01, inv_s01):
    patient = with_consent(make_patient(s01), inv_s01)
    return services.crf_create(
        model=VitalSigns,
        patient=patient,
        acting_user=inv_s01,
        complete=True,
        data={"vsdat": patient.consent_date, "height": 170, "weight": 70},
    )


def edit_url(crf):
    return reverse("ecrf:form_edit", args=[crf.patient.subject_id, crf.FORM_CODE, crf.pk])


def withdraw(client, crf, reason):
    url = reverse("ecrf:form_transition", args=[crf.patient.subject_id, crf.FORM_CODE, crf.pk])
    return client.post(url, {"step": "withdraw", "version": crf.version, "withdraw-reason": reason})


def test_investigator_withdraws_a_form_with_a_reason(client, inv_s01, vitals):
    client.force_login(inv_s01)
    assert 'data-testid="step-withdraw"' in client.get(edit_url(vitals)).content.decode()
    response = withdraw(client, vitals, "Entered for the wrong patient")
    assert response.status_code == 302
    vitals.refresh_from_db()
    assert vitals.entered_in_error
    latest = vitals.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        inv_s01,
        "Entered for the wrong patient",
    )
    page = client.get(edit_url(vitals)).content.decode()
    assert "withdrawn as entered in error" in page
    assert 'data-testid="step-withdraw"' not in page


def test_without_a_reason_nothing_is_withdrawn_and_the_message_is_at_the_field(
    client, coord_s01, vitals
):
    client.force_login(coord_s01)
    response = withdraw(client, vitals, "  ")
    assert response.status_code == 200
    assert response.context["withdraw_form"].errors["reason"] == [
        "Give a reason for withdrawing the form."
    ]
    assert "<details open>" in response.content.decode()
    vitals.refresh_from_db()
    assert not vitals.entered_in_error


def test_twice_is_refused_with_a_message(client, inv_s01, vitals):
    client.force_login(inv_s01)
    withdraw(client, vitals, "Duplicate")
    response = withdraw(client, vitals, "Duplicate again")
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)][-1] == (
        "This form was already withdrawn as entered in error."
    )
    assert vitals.history.filter(history_change_reason="Duplicate again").count() == 0


def test_a_locked_form_cannot_be_withdrawn(client, inv_s01, datamanager, vitals):
    locked = services.crf_lock(crf=vitals, acting_user=datamanager)
    client.force_login(inv_s01)
    assert 'data-testid="step-withdraw"' not in client.get(edit_url(locked)).content.decode()
    withdraw(client, locked, "Duplicate")
    locked.refresh_from_db()
    assert not locked.entered_in_error


def test_readers_get_403_and_another_site_404(client, mon_s01, inv_s02, vitals):
    client.force_login(mon_s01)
    assert 'data-testid="step-withdraw"' not in client.get(edit_url(vitals)).content.decode()
    assert withdraw(client, vitals, "x").status_code == 403
    client.force_login(inv_s02)
    assert withdraw(client, vitals, "x").status_code == 404
    vitals.refresh_from_db()
    assert not vitals.entered_in_error
