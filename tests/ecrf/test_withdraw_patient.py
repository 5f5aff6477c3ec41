"""A patient registered by mistake is withdrawn from the casebook's link: with a reason, by the
site's data entry staff, never once randomized; afterwards nothing more is entered for them."""

import pytest
from django.urls import reverse

from ecrf import services
from ecrf.models import VitalSigns
from tests.ecrf.builders import randomized
from tests.ecrf.entry_data import with_consent
from tests.factories import make_patient

pytestmark = pytest.mark.django_db


def url(patient):
    return reverse("ecrf:withdraw_patient", args=[patient.subject_id])


def casebook(patient):
    return reverse("ecrf:casebook", args=[patient.subject_id])


@pytest.fixture
def screening(s01, inv_s01):
    return with_consent(make_patient(s01), inv_s01)


def test_investigator_withdraws_a_duplicate_registration(client, inv_s01, screening):
    client.force_login(inv_s01)
    assert url(screening) in client.get(casebook(screening)).content.decode()
    response = client.post(url(screening), {"reason": "Registered twice, see S01-002"})
    assert response.status_code == 302 and response.url == reverse("ecrf:patient_list")
    screening.refresh_from_db()
    assert screening.entered_in_error
    latest = screening.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        inv_s01,
        "Registered twice, see S01-002",
    )
    listed = client.get(reverse("ecrf:patient_list")).context["patients"]
    assert screening.subject_id not in [p.subject_id for p in listed]
    page = client.get(casebook(screening)).content.decode()
    assert 'data-testid="patient-withdrawn"' in page
    assert 'data-testid="add-unscheduled-visit"' not in page


def test_without_a_reason_the_message_is_at_the_field(client, coord_s01, screening):
    client.force_login(coord_s01)
    response = client.post(url(screening), {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [
        "Give the reason the patient was entered in error."
    ]
    screening.refresh_from_db()
    assert not screening.entered_in_error


def test_a_randomized_patient_is_not_withdrawn(client, s01, inv_s01):
    patient = randomized(make_patient(s01), inv_s01)
    client.force_login(inv_s01)
    page = client.get(url(patient)).content.decode()
    assert "record a randomization correction instead" in page
    assert 'data-testid="withdraw-patient-form"' not in page
    client.post(url(patient), {"reason": "Oops"})
    patient.refresh_from_db()
    assert not patient.entered_in_error


def test_readers_get_403_and_another_site_404(client, mon_s01, inv_s02, screening):
    client.force_login(mon_s01)
    assert client.post(url(screening), {"reason": "x"}).status_code == 403
    client.force_login(inv_s02)
    assert client.post(url(screening), {"reason": "x"}).status_code == 404
    screening.refresh_from_db()
    assert not screening.entered_in_error


def test_no_form_is_entered_or_changed_for_a_withdrawn_patient(client, inv_s01, screening):
    vitals = services.crf_create(
        model=VitalSigns,
        patient=screening,
        acting_user=inv_s01,
        data={"vsdat": screening.consent_date, "weight": 70},
    )
    client.force_login(inv_s01)
    client.post(url(screening), {"reason": "Not a study patient"})
    screening.refresh_from_db()
    with pytest.raises(services.InvalidData, match="withdrawn as entered in error"):
        services.crf_create(
            model=VitalSigns, patient=screening, acting_user=inv_s01, data={"weight": 71}
        )
    with pytest.raises(services.InvalidData, match="withdrawn as entered in error"):
        services.crf_save(
            crf=vitals, data={"weight": 72}, acting_user=inv_s01, loaded_version=vitals.version
        )
    new_form = reverse("ecrf:form_new", args=[screening.subject_id, "vital_signs"])
    response = client.post(new_form, {"vsdat": screening.consent_date, "weight": 71, "version": ""})
    assert response.status_code == 200
    assert "withdrawn as entered in error" in response.content.decode()
    assert VitalSigns.objects.filter(patient=screening).count() == 1


def test_the_queries_of_a_withdrawn_patient_close_with_the_reason(
    client, inv_s01, mon_s01, screening
):
    from ecrf.models import Consent
    from ecrf.models.workflow import QueryStatus

    consent = Consent.objects.get(patient=screening)
    query = services.raise_query(
        crf=consent, field_name="icversion", text="Which version?", acting_user=mon_s01
    )
    client.force_login(inv_s01)
    client.post(url(screening), {"reason": "Registered twice"})
    query.refresh_from_db()
    assert (query.status, query.closed_by, query.close_note) == (
        QueryStatus.CLOSED,
        inv_s01,
        "Patient entered in error: Registered twice",
    )
    assert query.history.first().history_change_reason == "Patient entered in error"
