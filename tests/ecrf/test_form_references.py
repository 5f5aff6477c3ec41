"""Queries and findings point at one form through its content type and id: for_form() reads
the rows of one form, .form reaches the form, live() leaves out forms entered in error."""

import pytest

from ecrf import services
from ecrf.models import CheckFinding, Consent, Query, VitalSigns
from tests.ecrf.entry_data import with_consent
from tests.factories import make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(s01, inv_s01):
    return with_consent(make_patient(s01), inv_s01)


def vitals(patient, user, weight=70):
    return services.crf_create(
        model=VitalSigns,
        patient=patient,
        acting_user=user,
        complete=True,
        data={"vsdat": patient.consent_date, "height": 170, "weight": weight},
    )


def test_for_form_reads_the_queries_of_one_form_only(patient, inv_s01, mon_s01):
    consent = Consent.objects.get(patient=patient)
    vs = vitals(patient, inv_s01)
    on_consent = services.raise_query(
        crf=consent, field_name="icversion", text="Which version?", acting_user=mon_s01
    )
    services.raise_query(crf=vs, field_name="weight", text="Scale?", acting_user=mon_s01)
    assert list(Query.objects.for_form(consent)) == [on_consent]
    assert on_consent.form == consent


def test_a_finding_reaches_its_form(patient, inv_s01):
    vs = vitals(patient, inv_s01, weight=205)
    [finding] = CheckFinding.objects.for_form(vs)
    assert (finding.form, finding.field_name) == (vs, "weight")


def test_live_leaves_out_forms_entered_in_error(patient, inv_s01):
    withdrawn = vitals(patient, inv_s01)
    services.crf_mark_entered_in_error(crf=withdrawn, acting_user=inv_s01, reason="Twice")
    kept = vitals(patient, inv_s01)
    assert list(VitalSigns.objects.live().filter(patient=patient)) == [kept]
    assert VitalSigns.objects.filter(patient=patient).count() == 2
