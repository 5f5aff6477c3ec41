"""Electronic signatures (21 CFR Part 11.50, 11.70, 11.200): the signed record shows who,
when (with the zone) and what it means; it is bound to the content signed; a casebook is
signed with one password; three wrong passwords in a row lock signing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ecrf import services
from ecrf.models import Consent, FormStatus, Signature, VitalSigns
from ecrf.signatures import MEANING
from tests.ecrf.entry_data import with_consent
from tests.factories import PASSWORD, make_patient
from trial.models import AccessAction, AccessLog

MEANING_SHOWN = "I am the investigator responsible and confirm these data are accurate and complete"


@pytest.fixture
def consented(s01, inv_s01):
    inv_s01.first_name, inv_s01.last_name = "Mei", "Chen"
    inv_s01.save()
    return with_consent(make_patient(s01), inv_s01)


@pytest.fixture
def consent_form(consented):
    return Consent.objects.get(patient=consented)


def form_url(crf):
    return reverse("ecrf:form_edit", args=[crf.patient.subject_id, crf.FORM_CODE, crf.pk])


def sign_url(crf):
    return reverse("ecrf:form_transition", args=[crf.patient.subject_id, crf.FORM_CODE, crf.pk])


def casebook_url(patient):
    return reverse("ecrf:casebook", args=[patient.subject_id])


def casebook_sign_url(patient):
    return reverse("ecrf:casebook_sign", args=[patient.subject_id])


def sign(client, crf, password=PASSWORD):
    return client.post(
        sign_url(crf), {"step": "sign", "version": crf.version, "password": password}
    )


def vital_signs(patient, user):
    data = {"vsdat": patient.consent_date, "height": 170, "weight": 70}
    return services.crf_create(
        model=VitalSigns, patient=patient, acting_user=user, complete=True, data=data
    )


def test_signing_dialog_shows_the_meaning_before_the_password(client, consent_form, inv_s01):
    client.force_login(inv_s01)
    page = client.get(form_url(consent_form)).content.decode()
    step = page[page.index('data-testid="step-sign"') :]
    assert step.index(MEANING_SHOWN) < step.index('name="password"')


def test_signed_form_shows_full_name_time_with_zone_and_meaning(client, consent_form, inv_s01):
    client.force_login(inv_s01)
    assert sign(client, consent_form).status_code == 302
    signature = Signature.objects.get()
    page = client.get(form_url(consent_form)).content.decode()
    stamp = timezone.localtime(signature.signed_at, consent_form.site.zone)
    assert "Mei Chen" in page
    assert stamp.replace(microsecond=0).isoformat() in page
    assert stamp.isoformat()[-6] in "+-"  # ISO 8601 with the offset
    assert MEANING_SHOWN in page
    assert "Signature no longer matches the data" not in page


def test_signer_without_a_name_is_shown_by_user_name(client, s01, inv_s01):
    crf = Consent.objects.get(patient=with_consent(make_patient(s01), inv_s01))
    client.force_login(inv_s01)
    sign(client, crf)
    page = client.get(form_url(crf)).content.decode()
    assert 'data-testid="signer">inv_s01<' in page


def test_signature_record_binds_signer_meaning_and_content(consent_form, inv_s01):
    services.crf_sign(crf=consent_form, acting_user=inv_s01, password=PASSWORD)
    signature = Signature.objects.get()
    assert signature.form == Consent.objects.get(pk=consent_form.pk)
    assert signature.signer == inv_s01 and signature.meaning == MEANING
    assert signature.patient == consent_form.patient and signature.site == consent_form.site
    assert len(signature.content_sha256) == 64
    assert signature.history.count() == 1


def test_change_outside_the_workflow_shows_the_signature_invalid(client, consent_form, inv_s01):
    client.force_login(inv_s01)
    sign(client, consent_form)
    # As the admin or a database session would: the items change, the signature stays.
    Consent.objects.filter(pk=consent_form.pk).update(icversion="9.9")
    page = client.get(form_url(consent_form)).content.decode()
    assert 'data-testid="signature-invalid"' in page
    assert "Signature no longer matches the data" in page


def test_change_through_the_services_clears_the_signature_and_keeps_the_record(
    client, consent_form, inv_s01
):
    signed = services.crf_sign(crf=consent_form, acting_user=inv_s01, password=PASSWORD)
    changed = services.crf_save(
        crf=signed,
        data={"icversion": "2.2"},
        acting_user=inv_s01,
        reason="Transcription error",
        loaded_version=signed.version,
    )
    assert changed.status == FormStatus.COMPLETE and changed.signed_at is None
    assert Signature.objects.count() == 1
    client.force_login(inv_s01)
    page = client.get(form_url(changed)).content.decode()
    assert 'data-testid="signature"' not in page


def test_casebook_cell_title_names_the_signer_and_time(client, consent_form, inv_s01):
    client.force_login(inv_s01)
    sign(client, consent_form)
    signature = Signature.objects.get()
    stamp = timezone.localtime(signature.signed_at, consent_form.site.zone)
    page = client.get(casebook_url(consent_form.patient)).content.decode()
    assert f'title="Signed by Mei Chen at {stamp.replace(microsecond=0).isoformat()}"' in page


# A whole casebook ------------------------------------------------------------------------


def test_investigator_signs_the_casebook_with_one_password(client, consented, inv_s01):
    vital_signs(consented, inv_s01)
    client.force_login(inv_s01)
    page = client.get(casebook_url(consented)).content.decode()
    assert "2 forms wait for your signature." in page and MEANING_SHOWN in page
    response = client.post(casebook_sign_url(consented), {"casebook-password": PASSWORD})
    assert response.status_code == 302
    signatures = list(Signature.objects.all())
    assert len(signatures) == 2
    assert len({s.signed_at for s in signatures}) == 1
    assert {s.meaning for s in signatures} == {MEANING}
    assert Consent.objects.get(patient=consented).status == FormStatus.SIGNED
    assert VitalSigns.objects.get(patient=consented).status == FormStatus.SIGNED
    assert AccessLog.objects.filter(action=AccessAction.SIGNATURE).count() == 2
    page = client.get(casebook_url(consented)).content.decode()
    assert "Casebook signed: 2 forms signed." in page


def test_casebook_with_a_draft_is_not_signed(client, consented, inv_s01):
    services.crf_create(
        model=VitalSigns, patient=consented, acting_user=inv_s01, complete=False, data={}
    )
    client.force_login(inv_s01)
    page = client.get(casebook_url(consented)).content.decode()
    assert "1 form is still a draft" in page
    response = client.post(
        casebook_sign_url(consented), {"casebook-password": PASSWORD}, follow=True
    )
    assert "1 form is still a draft" in response.content.decode()
    assert not Signature.objects.exists()


def test_casebook_with_an_open_query_is_not_signed(consent_form, inv_s01, mon_s01):
    services.raise_query(
        crf=consent_form, field_name="icversion", text="Which version?", acting_user=mon_s01
    )
    with pytest.raises(services.TransitionRefused, match="1 query is open"):
        services.sign_casebook(patient=consent_form.patient, acting_user=inv_s01, password=PASSWORD)
    assert not Signature.objects.exists()


def test_coordinator_cannot_sign_a_casebook(client, consented, coord_s01):
    client.force_login(coord_s01)
    page = client.get(casebook_url(consented)).content.decode()
    assert 'data-testid="sign-casebook"' not in page
    assert (
        client.post(casebook_sign_url(consented), {"casebook-password": PASSWORD}).status_code
        == 403
    )


def test_investigator_of_another_site_cannot_sign_the_casebook(client, consented, inv_s02):
    client.force_login(inv_s02)
    assert (
        client.post(casebook_sign_url(consented), {"casebook-password": PASSWORD}).status_code
        == 404
    )


# Lockout ---------------------------------------------------------------------------------


def test_three_wrong_passwords_end_the_session_and_lock_signing(client, consent_form, inv_s01):
    client.force_login(inv_s01)
    for _ in range(2):
        assert sign(client, consent_form, "wrong").status_code == 200
    third = sign(client, consent_form, "wrong")
    assert third.status_code == 302 and third["Location"] == reverse("login")
    assert client.get(form_url(consent_form)).status_code == 302  # signed out
    assert AccessLog.objects.filter(action=AccessAction.SIGNATURE_FAILED).count() == 4
    # Signed in again: told when they may sign, and the right password is refused meanwhile.
    response = client.post(
        reverse("login"), {"username": "inv_s01", "password": PASSWORD}, follow=True
    )
    assert "signing is locked for you until" in response.content.decode()
    refused = sign(client, consent_form)
    assert refused.status_code == 302
    consent_form.refresh_from_db()
    assert consent_form.status == FormStatus.COMPLETE and not Signature.objects.exists()


def test_signing_is_open_again_after_fifteen_minutes(consent_form, inv_s01):
    for _ in range(3):
        with pytest.raises((services.InvalidData, services.SigningLocked)):
            services.crf_sign(crf=consent_form, acting_user=inv_s01, password="wrong")
    assert services.signing_locked_until(inv_s01) is not None
    from ecrf.models import SigningLockout

    SigningLockout.objects.update(until=timezone.now() - timedelta(seconds=1))
    # One wrong password after the lockout is not a fourth in a row.
    with pytest.raises(services.InvalidData):
        services.crf_sign(crf=consent_form, acting_user=inv_s01, password="wrong")
    signed = services.crf_sign(crf=consent_form, acting_user=inv_s01, password=PASSWORD)
    assert signed.status == FormStatus.SIGNED


def test_a_signature_resets_the_count_of_wrong_passwords(consented, inv_s01):
    consent = Consent.objects.get(patient=consented)
    vitals = vital_signs(consented, inv_s01)
    for _ in range(2):
        with pytest.raises(services.InvalidData):
            services.crf_sign(crf=consent, acting_user=inv_s01, password="wrong")
    services.crf_sign(crf=consent, acting_user=inv_s01, password=PASSWORD)
    with pytest.raises(services.InvalidData):
        services.crf_sign(crf=vitals, acting_user=inv_s01, password="wrong")
    assert services.signing_locked_until(inv_s01) is None


def test_audit_trail_of_the_form_shows_the_signature(client, consent_form, inv_s01, mon_s01):
    client.force_login(inv_s01)
    sign(client, consent_form)
    signature = Signature.objects.get()
    client.force_login(mon_s01)
    url = reverse(
        "ecrf:audit_form", args=[consent_form.patient.subject_id, "consent", consent_form.pk]
    )
    page = client.get(url).content.decode()
    assert "Mei Chen" in page
    assert signature.signed_at_local in page and signature.signed_at_local[-6] in "+-"
    assert MEANING_SHOWN in page
    assert signature.content_sha256 in page
