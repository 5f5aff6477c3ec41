"""Registering, randomizing and screen-failing a patient through the enrolment pages."""

from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import timezone

from ecrf import enrolment, services
from ecrf.models import CtdnaSample, EndOfStudy, LiverResection, Visit
from tests.ecrf.builders import ensure_allocation_list, randomized, screened
from tests.factories import make_patient
from trial.history import system_user
from trial.models import AlertKind, DataManagerAlert, Patient, PatientStatus, Randomization
from trial.randomization import RefusalCode, generate_allocation_list

CONFIRM_BUTTON = 'name="confirm"'


def randomize_url(patient):
    return reverse("ecrf:randomize", kwargs={"subject_id": patient.subject_id})


def screen_failure_url(patient):
    return reverse("ecrf:screen_failure", kwargs={"subject_id": patient.subject_id})


def register(client, site, **fields):
    data = {"site": site.pk, "sex": "M", "birth_year": 1961, "screening_number": "", **fields}
    return client.post(reverse("ecrf:register_patient"), data)


def in_stratum(patient, user, *, synchronous: bool):
    """Put the patient's liver resection in the given stratum, as a correction from source."""
    resection = LiverResection.objects.get(patient=patient, entered_in_error=False)
    timing = "synchronous" if synchronous else "metachronous"
    if resection.timing != timing:
        services.crf_save(
            crf=resection,
            data={"timing": timing},
            acting_user=user,
            loaded_version=resection.version,
            reason="Corrected from the operation note",
        )
    return patient


def casebook_or_enrolment_url(patient):
    """Registration lands on the casebook once the data-entry pages exist."""
    try:
        return reverse("ecrf:casebook", kwargs={"subject_id": patient.subject_id})
    except NoReverseMatch:
        return randomize_url(patient)


def post_surgery_sample(patient):
    return CtdnaSample.objects.get(patient=patient, timepoint="post_surgery")


# Registration -------------------------------------------------------------------------------


def test_new_patient_url_is_the_registration_page():
    assert resolve("/patients/new/").view_name == "ecrf:register_patient"


@pytest.mark.parametrize("persona", ["inv_s01", "coord_s01"])
def test_site_staff_register_a_patient_with_the_next_subject_id(client, request, pat_s01, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = register(client, pat_s01.site, screening_number="SCR-17")
    patient = Patient.objects.get(screening_number="SCR-17")
    assert patient.subject_id == "S01-002"
    assert (patient.site, patient.sex, patient.birth_year) == (pat_s01.site, "M", 1961)
    assert patient.created_by == user
    assert patient.history.earliest().history_user == user
    assert response.status_code == 302
    assert response.url == casebook_or_enrolment_url(patient)
    # The screening visit is there for the forms from the start.
    assert Visit.objects.filter(patient=patient, code="SCR").exists()
    assert "S01-002" in client.get(response.url).content.decode()


def test_subject_ids_count_up_per_site(client, inv_s01, s01):
    client.force_login(inv_s01)
    for _ in range(3):
        register(client, s01)
    assert list(Patient.objects.values_list("subject_id", flat=True)) == [
        "S01-001",
        "S01-002",
        "S01-003",
    ]


def test_registration_offers_only_the_users_own_sites(client, inv_s01, s02):
    client.force_login(inv_s01)
    page = client.get(reverse("ecrf:register_patient")).content.decode()
    assert "S01" in page
    assert "S02" not in page


def test_investigator_cannot_register_at_another_site(client, inv_s01, s02):
    client.force_login(inv_s01)
    response = register(client, s02)
    assert response.status_code == 200
    assert "site" in response.context["form"].errors
    assert not Patient.objects.exists()


@pytest.mark.parametrize("persona", ["mon_s01", "dm_s01", "datamanager", "admin_user"])
def test_readers_cannot_register_patients(client, request, s01, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("ecrf:register_patient")).status_code == 403
    assert register(client, s01).status_code == 403
    assert not Patient.objects.exists()


def test_screening_number_used_twice_at_a_site_is_refused_and_input_kept(client, inv_s01, s01):
    make_patient(s01, screening_number="SCR-1")
    client.force_login(inv_s01)
    response = register(client, s01, screening_number="SCR-1", birth_year=1958)
    assert response.status_code == 200
    assert "already used" in str(response.context["form"].errors["screening_number"])
    assert 'value="1958"' in response.content.decode()
    assert Patient.objects.count() == 1


@pytest.mark.parametrize("birth_year", ["19x5", "1850", str(timezone.localdate().year + 1), ""])
def test_bad_year_of_birth_is_shown_at_the_field(client, inv_s01, s01, birth_year):
    client.force_login(inv_s01)
    response = register(client, s01, birth_year=birth_year, screening_number="SCR-9")
    assert response.status_code == 200
    assert "birth_year" in response.context["form"].errors
    assert 'value="SCR-9"' in response.content.decode()
    assert not Patient.objects.exists()


def test_missing_sex_is_shown_at_the_field(client, inv_s01, s01):
    client.force_login(inv_s01)
    response = register(client, s01, sex="")
    assert "sex" in response.context["form"].errors
    assert not Patient.objects.exists()


# The checklist: what blocks randomization ---------------------------------------------------


def test_new_patient_is_blocked_by_missing_consent_and_forms(client, inv_s01, pat_s01):
    client.force_login(inv_s01)
    response = client.get(randomize_url(pat_s01))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Informed consent is not recorded with its date." in page
    assert 'data-form-code="consent"' in page
    assert 'data-code="consent_missing"' in page
    assert "No postoperative ctDNA result is recorded" in page
    assert CONFIRM_BUTTON not in page
    codes = {b.code for b in response.context["blockers"]}
    assert {RefusalCode.CONSENT_MISSING, RefusalCode.RESECTION_NOT_R0} <= codes
    assert all(not item.done for item in response.context["checklist"])


def entry_url(name, *args):
    """A data-entry page's URL; None while those pages are not there."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def entry_url_or_skip(name, *args):
    return entry_url(name, *args) or pytest.skip("the data-entry pages are not there")


def test_missing_forms_link_to_a_new_form_in_the_screening_visit(client, inv_s01, s01):
    client.force_login(inv_s01)
    register(client, s01)
    patient = Patient.objects.get()
    screening = Visit.objects.get(patient=patient, code="SCR")
    page = client.get(randomize_url(patient)).content.decode()
    for form_code in ("consent", "eligibility", "ctdna"):
        new_form = entry_url_or_skip("ecrf:form_new", patient.subject_id, form_code)
        assert f'href="{new_form}?visit={screening.pk}"' in page


def test_monitor_gets_no_links_to_enter_forms(client, mon_s01, pat_s01):
    client.force_login(mon_s01)
    page = client.get(randomize_url(pat_s01)).content.decode()
    assert entry_url_or_skip("ecrf:form_new", pat_s01.subject_id, "consent") not in page


def test_exclusion_answered_yes_blocks_with_its_criterion(client, inv_s01, pat_s01):
    screened(pat_s01, inv_s01, eligible=False)
    client.force_login(inv_s01)
    response = client.get(randomize_url(pat_s01))
    page = response.content.decode()
    assert "Exclusion criterion EX02 is not ruled out (answer: yes)" in page
    [blocker] = response.context["blockers"]
    assert (blocker.criterion, blocker.form_code) == ("EX02", "eligibility")
    assert blocker.form_pk is not None  # the eligibility form to correct, not a new one
    edit_url = entry_url("ecrf:form_edit", pat_s01.subject_id, "eligibility", blocker.form_pk)
    assert edit_url is None or edit_url in page
    assert CONFIRM_BUTTON not in page


def test_negative_ctdna_blocks_randomization(client, inv_s01, pat_s01):
    screened(pat_s01, inv_s01)
    sample = post_surgery_sample(pat_s01)
    services.crf_save(
        crf=sample,
        data={"result": "negative", "quant_value": None, "quant_unit": ""},
        acting_user=inv_s01,
        loaded_version=sample.version,
        reason="Laboratory report corrected",
    )
    client.force_login(inv_s01)
    response = client.get(randomize_url(pat_s01))
    page = response.content.decode()
    assert "The postoperative ctDNA result is negative; it must be positive." in page
    [blocker] = response.context["blockers"]
    assert (blocker.form_code, blocker.form_pk) == ("ctdna", sample.pk)
    assert CONFIRM_BUTTON not in page


def test_ctdna_entered_in_error_counts_as_not_recorded(inv_s01, pat_s01):
    screened(pat_s01, inv_s01)
    services.crf_mark_entered_in_error(
        crf=post_surgery_sample(pat_s01), acting_user=inv_s01, reason="Wrong patient's sample"
    )
    [blocker] = enrolment.blocking_criteria(pat_s01)
    assert blocker.message == "No postoperative ctDNA result is recorded; it must be positive."
    assert (blocker.form_code, blocker.form_pk) == ("ctdna", None)


def test_screened_patient_is_offered_the_confirmation_with_stratum(client, inv_s01, pat_s01):
    screened(pat_s01, inv_s01)
    in_stratum(pat_s01, inv_s01, synchronous=True)
    client.force_login(inv_s01)
    response = client.get(randomize_url(pat_s01))
    page = response.content.decode()
    assert response.context["blockers"] == []
    assert CONFIRM_BUTTON in page
    assert "S01|synchronous" in page
    assert "cannot be undone" in page
    assert not Randomization.objects.exists()


# Randomizing --------------------------------------------------------------------------------


def test_confirmed_randomization_shows_arm_and_visit_schedule(client, inv_s01, pat_s01):
    ensure_allocation_list()
    screened(pat_s01, inv_s01)
    in_stratum(pat_s01, inv_s01, synchronous=False)
    client.force_login(inv_s01)
    response = client.post(
        randomize_url(pat_s01), {"confirm": "yes", "stratum": "S01|metachronous"}
    )
    assert response.status_code == 302
    assert response.url == randomize_url(pat_s01)
    record = Randomization.objects.get(patient=pat_s01)
    assert (record.stratum, record.randomized_by) == ("S01|metachronous", inv_s01)
    pat_s01.refresh_from_db()
    assert pat_s01.status == PatientStatus.RANDOMIZED
    visits = Visit.objects.filter(patient=pat_s01, applicable=True)
    assert {"RAND", "C01", "FU03"} <= set(visits.values_list("code", flat=True))

    page = client.get(response.url).content.decode()
    assert record.get_arm_display() in page
    assert "S01|metachronous" in page
    assert timezone.localtime(record.randomized_at).strftime("%Y-%m-%d") in page
    fu03 = visits.get(code="FU03")
    assert fu03.target_date.isoformat() in page
    assert f"{fu03.window_start.isoformat()} – {fu03.window_end.isoformat()}" in page
    assert CONFIRM_BUTTON not in page


def test_second_confirmation_does_not_randomize_twice(client, inv_s01, pat_s01):
    ensure_allocation_list()
    screened(pat_s01, inv_s01)
    client.force_login(inv_s01)
    client.post(randomize_url(pat_s01), {"confirm": "yes"})
    first = Randomization.objects.get(patient=pat_s01)
    response = client.post(randomize_url(pat_s01), {"confirm": "yes"})
    assert response.status_code == 200
    assert "already been randomized" in response.content.decode()
    assert Randomization.objects.get() == first


def test_post_without_confirmation_does_not_randomize(client, inv_s01, pat_s01):
    ensure_allocation_list()
    screened(pat_s01, inv_s01)
    client.force_login(inv_s01)
    response = client.post(randomize_url(pat_s01), {})
    assert response.status_code == 200
    assert "Confirm the randomization to go ahead." in response.content.decode()
    assert not Randomization.objects.exists()


def test_stratum_changed_since_the_page_was_shown_is_not_randomized(client, inv_s01, pat_s01):
    ensure_allocation_list()
    screened(pat_s01, inv_s01)
    in_stratum(pat_s01, inv_s01, synchronous=True)
    client.force_login(inv_s01)
    response = client.post(
        randomize_url(pat_s01), {"confirm": "yes", "stratum": "S01|metachronous"}
    )
    page = response.content.decode()
    assert "The stratum changed from S01|metachronous to S01|synchronous" in page
    assert 'name="stratum" value="S01|synchronous"' in page
    assert not Randomization.objects.exists()


def test_randomization_is_never_done_by_get(client, inv_s01, pat_s01):
    ensure_allocation_list()
    screened(pat_s01, inv_s01)
    client.force_login(inv_s01)
    assert client.get(randomize_url(pat_s01) + "?confirm=yes").status_code == 200
    assert client.put(randomize_url(pat_s01), "confirm=yes").status_code == 405
    assert not Randomization.objects.exists()


def test_refused_post_shows_the_refusals(client, inv_s01, pat_s01):
    ensure_allocation_list()
    client.force_login(inv_s01)
    response = client.post(randomize_url(pat_s01), {"confirm": "yes"})
    assert response.status_code == 200
    assert "The patient was not randomized" in response.content.decode()
    assert not Randomization.objects.exists()


def test_other_site_cannot_see_or_randomize_the_patient(client, inv_s01, inv_s02, pat_s01):
    ensure_allocation_list()
    screened(pat_s01, inv_s01)
    client.force_login(inv_s02)
    assert client.get(randomize_url(pat_s01)).status_code == 404
    assert client.post(randomize_url(pat_s01), {"confirm": "yes"}).status_code == 404
    assert not Randomization.objects.exists()


@pytest.mark.parametrize("persona", ["mon_s01", "dm_s01", "datamanager"])
def test_readers_see_the_checklist_read_only_and_cannot_randomize(
    client, request, inv_s01, pat_s01, persona
):
    ensure_allocation_list()
    screened(pat_s01, inv_s01)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(randomize_url(pat_s01))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="screening-checklist"' in page
    assert 'data-testid="read-only"' in page
    assert CONFIRM_BUTTON not in page
    assert client.post(randomize_url(pat_s01), {"confirm": "yes"}).status_code == 403
    assert not Randomization.objects.exists()


def test_readers_see_the_arm_of_a_randomized_patient(client, inv_s01, mon_s01, pat_s01):
    randomized(pat_s01, inv_s01)
    client.force_login(mon_s01)
    page = client.get(randomize_url(pat_s01)).content.decode()
    assert Randomization.objects.get().get_arm_display() in page
    assert 'data-testid="visit-schedule"' in page


def test_exhausted_stratum_shows_the_message_and_alerts_data_managers(client, inv_s01, s01):
    generate_allocation_list(seed=5, per_stratum=2, site_codes=["S01"], acting_user=system_user())
    patients = [
        in_stratum(screened(make_patient(s01), inv_s01), inv_s01, synchronous=True)
        for _ in range(3)
    ]
    client.force_login(inv_s01)
    for patient in patients[:2]:
        assert client.post(randomize_url(patient), {"confirm": "yes"}).status_code == 302
    response = client.post(randomize_url(patients[2]), {"confirm": "yes"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The randomization list of stratum S01|synchronous has no entry left." in page
    assert 'data-testid="allocation-unavailable"' in page
    assert not Randomization.objects.filter(patient=patients[2]).exists()
    alert = DataManagerAlert.objects.get()
    assert (alert.kind, alert.patient, alert.stratum) == (
        AlertKind.STRATUM_EXHAUSTED,
        patients[2],
        "S01|synchronous",
    )


def test_stratum_without_a_list_shows_the_message(client, inv_s01, pat_s01):
    screened(pat_s01, inv_s01)
    client.force_login(inv_s01)
    response = client.post(randomize_url(pat_s01), {"confirm": "yes"})
    assert "No randomization list has been loaded" in response.content.decode()
    assert DataManagerAlert.objects.get().kind == AlertKind.STRATUM_NOT_LOADED


# Screen failure -----------------------------------------------------------------------------


def test_screen_failure_is_recorded_with_date_and_reason(client, inv_s01, pat_s01):
    client.force_login(inv_s01)
    assert (
        'data-testid="screen-failure-form"'
        in client.get(screen_failure_url(pat_s01)).content.decode()
    )
    day = timezone.localdate() - timedelta(days=2)
    response = client.post(
        screen_failure_url(pat_s01),
        {"failure_date": day.isoformat(), "reason": "EX02: extrahepatic disease on CT"},
    )
    assert response.status_code == 302
    record = EndOfStudy.objects.get(patient=pat_s01)
    assert (record.dsstdat, record.dsdecod, record.dsterm) == (
        day,
        "screen_failure",
        "EX02: extrahepatic disease on CT",
    )
    assert record.created_by == inv_s01
    pat_s01.refresh_from_db()
    assert pat_s01.status == PatientStatus.SCREEN_FAILED

    page = client.get(randomize_url(pat_s01)).content.decode()
    assert "Only patients in screening can be randomized" in page
    assert CONFIRM_BUTTON not in page
    assert screen_failure_url(pat_s01) not in page


def test_screen_failure_date_in_the_future_is_refused_and_input_kept(client, inv_s01, pat_s01):
    client.force_login(inv_s01)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        screen_failure_url(pat_s01),
        {"failure_date": tomorrow.isoformat(), "reason": "Withdrew before surgery"},
    )
    assert response.status_code == 200
    assert "failure_date" in response.context["form"].errors
    assert "Withdrew before surgery" in response.content.decode()
    assert not EndOfStudy.objects.exists()


@pytest.mark.parametrize(
    "data", [{"failure_date": "", "reason": "x"}, {"failure_date": "2026-13-40", "reason": "x"}]
)
def test_screen_failure_needs_a_valid_date(client, inv_s01, pat_s01, data):
    client.force_login(inv_s01)
    response = client.post(screen_failure_url(pat_s01), data)
    assert "failure_date" in response.context["form"].errors
    assert not EndOfStudy.objects.exists()


def test_screen_failure_needs_a_reason(client, inv_s01, pat_s01):
    client.force_login(inv_s01)
    response = client.post(
        screen_failure_url(pat_s01),
        {"failure_date": timezone.localdate().isoformat(), "reason": "   "},
    )
    assert "Give the reason for the screen failure." in response.content.decode()
    assert not EndOfStudy.objects.exists()


def test_randomized_patient_cannot_be_a_screen_failure(client, inv_s01, pat_s01):
    randomized(pat_s01, inv_s01)
    client.force_login(inv_s01)
    page = client.get(screen_failure_url(pat_s01)).content.decode()
    assert 'data-testid="not-in-screening"' in page
    assert 'data-testid="screen-failure-form"' not in page
    response = client.post(
        screen_failure_url(pat_s01),
        {"failure_date": timezone.localdate().isoformat(), "reason": "Changed mind"},
    )
    assert response.status_code == 200
    assert not EndOfStudy.objects.exists()
    pat_s01.refresh_from_db()
    assert pat_s01.status == PatientStatus.RANDOMIZED


def test_service_refuses_screen_failure_after_randomization(inv_s01, pat_s01):
    randomized(pat_s01, inv_s01)
    with pytest.raises(services.TransitionRefused):
        enrolment.record_screen_failure(
            patient=pat_s01,
            acting_user=inv_s01,
            failure_date=timezone.localdate(),
            reason="Changed mind",
        )
    assert not EndOfStudy.objects.exists()


def test_screen_failure_is_recorded_once(client, inv_s01, pat_s01):
    client.force_login(inv_s01)
    data = {"failure_date": timezone.localdate().isoformat(), "reason": "Consent withdrawn"}
    client.post(screen_failure_url(pat_s01), data)
    client.post(screen_failure_url(pat_s01), data)
    assert EndOfStudy.objects.count() == 1


@pytest.mark.parametrize(
    "persona, status", [("mon_s01", 403), ("datamanager", 403), ("inv_s02", 404)]
)
def test_screen_failure_is_for_the_sites_staff_only(client, request, pat_s01, persona, status):
    client.force_login(request.getfixturevalue(persona))
    data = {"failure_date": timezone.localdate().isoformat(), "reason": "x"}
    assert client.get(screen_failure_url(pat_s01)).status_code == status
    assert client.post(screen_failure_url(pat_s01), data).status_code == status
    assert not EndOfStudy.objects.exists()
