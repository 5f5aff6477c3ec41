"""The form pages: every CRF entered and completed, errors at their item with nothing lost,
reasons for change, conflicts, read-only readers and the workflow steps."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from ecrf import services
from ecrf.forms import crf_form_class
from ecrf.models import FORMS_BY_CODE, Consent, FolfoxCycle, FormStatus, Query, VitalSigns
from tests.ecrf.builders import randomized
from tests.ecrf.entry_data import as_post, patient_for, today, valid_entry, with_consent
from tests.factories import PASSWORD, make_patient
from trial.models import AccessAction, AccessLog


def new_url(patient, code, **query):
    url = reverse("ecrf:form_new", args=[patient.subject_id, code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def edit_url(crf):
    return reverse("ecrf:form_edit", args=[crf.patient.subject_id, crf.FORM_CODE, crf.pk])


def transition_url(crf):
    return reverse("ecrf:form_transition", args=[crf.patient.subject_id, crf.FORM_CODE, crf.pk])


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def consented(s01, inv_s01):
    return with_consent(make_patient(s01), inv_s01)


@pytest.fixture
def consent_form(consented):
    return Consent.objects.get(patient=consented)


def vital_signs(patient, user, **values):
    data = {"vsdat": patient.consent_date, "height": 170, "weight": 70, **values}
    return services.crf_create(
        model=VitalSigns, patient=patient, acting_user=user, complete=True, data=data
    )


@pytest.mark.parametrize("code", sorted(FORMS_BY_CODE))
def test_every_form_is_entered_and_marked_complete(client, s01, inv_s01, code):
    patient = patient_for(code, s01, inv_s01)
    client.force_login(inv_s01)
    assert client.get(new_url(patient, code)).status_code == 200
    data = {**as_post(valid_entry(code, patient)), "submit": "complete", "version": ""}
    response = client.post(new_url(patient, code), data)
    assert response.status_code == 302, response.context["form"].errors
    crf = FORMS_BY_CODE[code].objects.filter(patient=patient).latest("pk")
    assert crf.status == FormStatus.COMPLETE
    assert response.url == edit_url(crf)
    shown = client.get(response.url)
    assert shown.status_code == 200
    assert "Save changes" in page(shown)


def test_draft_keeps_what_was_typed_and_may_be_partial(client, consented, inv_s01):
    client.force_login(inv_s01)
    response = client.post(
        new_url(consented, "vital_signs"), {"height": "171", "submit": "draft", "version": ""}
    )
    crf = VitalSigns.objects.get(patient=consented)
    assert response.url == edit_url(crf)
    assert crf.status == FormStatus.DRAFT and crf.height == 171
    assert "Mark complete" in page(client.get(response.url))


class TestErrorsAtTheirItem:
    def test_required_to_complete_is_said_at_the_item_and_typing_is_kept(
        self, client, consented, inv_s01
    ):
        client.force_login(inv_s01)
        response = client.post(
            new_url(consented, "vital_signs"),
            {"height": "171.5", "submit": "complete", "version": ""},
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert form.errors["weight"] == ["Required to mark the form complete."]
        assert form.errors["vsdat"] == ["Required to mark the form complete."]
        html = page(response)
        assert 'value="171.5"' in html
        assert "is-invalid" in html
        assert not VitalSigns.objects.filter(patient=consented).exists()

    def test_hard_edit_check_is_at_its_item(self, client, consented, inv_s01):
        client.force_login(inv_s01)
        data = {"vsdat": consented.consent_date, "height": "300", "weight": "70"}
        response = client.post(
            new_url(consented, "vital_signs"), {**as_post(data), "submit": "complete"}
        )
        assert response.status_code == 200
        errors = response.context["form"].errors["height"]
        assert any("between 100 cm and 250 cm" in e for e in errors)
        assert 'value="300' in page(response)

    def test_value_the_item_cannot_take_is_said_in_words(self, client, consented, inv_s01):
        client.force_login(inv_s01)
        response = client.post(
            new_url(consented, "vital_signs"),
            {"vsdat": "2026-13-45", "height": "tall", "weight": "70", "submit": "draft"},
        )
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert "vsdat" in errors and "height" in errors
        html = page(response)
        assert 'value="2026-13-45"' in html and 'value="70"' in html

    def test_date_in_the_future_is_refused_at_the_date(self, client, consented, inv_s01):
        client.force_login(inv_s01)
        data = {"vsdat": today() + timedelta(days=3), "height": "170", "weight": "70"}
        response = client.post(
            new_url(consented, "vital_signs"), {**as_post(data), "submit": "draft"}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["vsdat"]

    def test_soft_finding_is_saved_and_shown_on_the_form(self, client, consented, inv_s01):
        client.force_login(inv_s01)
        data = {"vsdat": consented.consent_date, "height": "110", "weight": "70"}
        response = client.post(
            new_url(consented, "vital_signs"), {**as_post(data), "submit": "complete"}
        )
        assert response.status_code == 302
        shown = client.get(response.url)
        findings = shown.context["findings"]
        assert [f.check_id for f in findings] == ["VS02"]
        assert findings[0].message in page(shown)
        assert 'data-testid="findings"' in page(shown)

    def test_repeated_cycle_number_is_refused_at_the_cycle(self, client, s01, inv_s01):
        patient = randomized(make_patient(s01), inv_s01)
        client.force_login(inv_s01)
        data = {**as_post(valid_entry("folfox_cycle", patient)), "submit": "complete"}
        assert client.post(new_url(patient, "folfox_cycle"), data).status_code == 302
        again = client.post(new_url(patient, "folfox_cycle"), data)
        assert again.status_code == 200
        assert "already recorded" in " ".join(again.context["form"].errors["cycle"])


HOSTILE = ("9" * 40, "-1", "x" * 500, "<script>alert(1)</script>", "1e400", "0001-01-01")


@pytest.mark.parametrize("code", sorted(FORMS_BY_CODE))
def test_no_value_typed_into_any_item_breaks_the_page(client, consented, inv_s01, code):
    """Whatever is typed, the page answers with the form and its messages, never an error."""
    client.force_login(inv_s01)
    names = list(crf_form_class(FORMS_BY_CODE[code])().fields)
    for value in HOSTILE:
        data = {name: value for name in names}
        for submit in ("draft", "complete"):
            response = client.post(new_url(consented, code), {**data, "submit": submit})
            assert response.status_code == 200, (code, value, submit)
            assert "<script>alert(1)</script>" not in response.content.decode()


class TestReasonForChange:
    def test_changing_a_complete_form_asks_for_a_reason(self, client, consent_form, inv_s01):
        client.force_login(inv_s01)
        shown = client.get(edit_url(consent_form))
        assert 'data-testid="reason-for-change"' in page(shown)
        data = {
            "dsstdat": consent_form.dsstdat.isoformat(),
            "icversion": "2.2",
            "version": consent_form.version,
            "submit": "save",
        }
        response = client.post(edit_url(consent_form), data)
        assert response.status_code == 200
        assert response.context["reason_form"].errors["reason"]
        assert 'value="2.2"' in page(response)
        consent_form.refresh_from_db()
        assert consent_form.icversion == "2.1"

    def test_reason_lands_in_the_history(self, client, consent_form, inv_s01):
        client.force_login(inv_s01)
        data = {
            "dsstdat": consent_form.dsstdat.isoformat(),
            "icversion": "2.2",
            "version": consent_form.version,
            "submit": "save",
            "change-reason": "transcription_error",
            "change-detail": "version misread from the signed sheet",
        }
        response = client.post(edit_url(consent_form), data)
        assert response.status_code == 302
        latest = consent_form.history.first()
        assert latest.icversion == "2.2"
        assert latest.history_change_reason == (
            "Transcription error: version misread from the signed sheet"
        )
        assert latest.history_user == inv_s01

    def test_other_needs_an_explanation(self, client, consent_form, inv_s01):
        client.force_login(inv_s01)
        data = {
            "dsstdat": consent_form.dsstdat.isoformat(),
            "icversion": "2.2",
            "version": consent_form.version,
            "change-reason": "other",
        }
        response = client.post(edit_url(consent_form), data)
        assert response.status_code == 200
        assert response.context["reason_form"].errors["detail"]


class TestConflict:
    def test_stale_save_shows_both_values_and_keeps_yours(
        self, client, consent_form, inv_s01, coord_s01
    ):
        loaded = consent_form.version
        services.crf_save(
            crf=consent_form,
            data={"icversion": "3.0"},
            acting_user=coord_s01,
            loaded_version=loaded,
            reason="New information from source",
        )
        client.force_login(inv_s01)
        mine = {
            "dsstdat": consent_form.dsstdat.isoformat(),
            "icversion": "2.5",
            "version": loaded,
            "change-reason": "transcription_error",
        }
        response = client.post(edit_url(consent_form), mine)
        assert response.status_code == 200
        html = page(response)
        assert 'data-testid="conflict"' in html
        assert "coord_s01" in html
        rows = response.context["conflict"]["rows"]
        assert [(r["theirs"], r["yours"]) for r in rows] == [("3.0", "2.5")]
        assert 'value="2.5"' in html
        assert response.context["version"] == loaded + 1
        consent_form.refresh_from_db()
        assert consent_form.icversion == "3.0"
        resubmitted = client.post(edit_url(consent_form), {**mine, "version": loaded + 1})
        assert resubmitted.status_code == 302
        consent_form.refresh_from_db()
        assert consent_form.icversion == "2.5"

    def test_missing_version_is_never_a_silent_overwrite(self, client, consent_form, inv_s01):
        client.force_login(inv_s01)
        data = {"dsstdat": consent_form.dsstdat.isoformat(), "icversion": "9", "version": "x"}
        response = client.post(edit_url(consent_form), data)
        assert response.status_code == 200 and response.context["conflict"]
        consent_form.refresh_from_db()
        assert consent_form.icversion == "2.1"


class TestReaders:
    @pytest.mark.parametrize("reader", ["mon_s01", "datamanager", "dm_s01"])
    def test_reader_sees_the_form_read_only(self, client, consent_form, reader, request):
        client.force_login(request.getfixturevalue(reader))
        response = client.get(edit_url(consent_form))
        html = page(response)
        assert response.status_code == 200
        assert "Save draft" not in html and "Save changes" not in html
        assert 'data-read-only="true"' in html
        assert all(f.disabled for f in response.context["form"].fields.values())

    def test_monitor_cannot_post(self, client, consent_form, mon_s01):
        client.force_login(mon_s01)
        data = {"icversion": "9", "version": consent_form.version}
        assert client.post(edit_url(consent_form), data).status_code == 403
        assert client.get(new_url(consent_form.patient, "vital_signs")).status_code == 403
        assert client.post(new_url(consent_form.patient, "vital_signs"), {}).status_code == 403

    def test_other_sites_patient_is_not_found(self, client, consent_form, inv_s02):
        client.force_login(inv_s02)
        assert client.get(edit_url(consent_form)).status_code == 404
        assert client.get(new_url(consent_form.patient, "vital_signs")).status_code == 404
        response = client.post(edit_url(consent_form), {"icversion": "9"})
        assert response.status_code == 404

    def test_form_of_another_patient_is_not_found(self, client, consent_form, s01, inv_s01):
        other = with_consent(make_patient(s01), inv_s01)
        client.force_login(inv_s01)
        url = reverse("ecrf:form_edit", args=[other.subject_id, "consent", consent_form.pk])
        assert client.get(url).status_code == 404

    def test_unknown_form_is_not_found(self, client, consented, inv_s01):
        client.force_login(inv_s01)
        assert client.get(new_url(consented, "horoscope")).status_code == 404


class TestWorkflow:
    def test_monitor_verifies(self, client, consent_form, mon_s01):
        client.force_login(mon_s01)
        assert 'data-testid="step-verify"' in page(client.get(edit_url(consent_form)))
        data = {"step": "verify", "version": consent_form.version}
        assert client.post(transition_url(consent_form), data).status_code == 302
        consent_form.refresh_from_db()
        assert consent_form.status == FormStatus.VERIFIED

    def test_investigator_signs_with_password(self, client, consent_form, inv_s01):
        client.force_login(inv_s01)
        wrong = client.post(
            transition_url(consent_form),
            {"step": "sign", "version": consent_form.version, "password": "nope"},
        )
        assert wrong.status_code == 200
        assert wrong.context["sign_form"].errors["password"] == [
            "The password is not correct; nothing was signed."
        ]
        attempt = AccessLog.objects.get(action=AccessAction.SIGNATURE_FAILED)
        assert attempt.user == inv_s01 and attempt.ip_address == "127.0.0.1"
        right = client.post(
            transition_url(consent_form),
            {"step": "sign", "version": consent_form.version, "password": PASSWORD},
        )
        assert right.status_code == 302
        consent_form.refresh_from_db()
        assert consent_form.status == FormStatus.SIGNED and consent_form.signed_by == inv_s01
        signature = AccessLog.objects.get(action=AccessAction.SIGNATURE)
        assert signature.user == inv_s01 and signature.ip_address == "127.0.0.1"

    def test_coordinator_cannot_sign(self, client, consent_form, coord_s01):
        client.force_login(coord_s01)
        assert 'data-testid="step-sign"' not in page(client.get(edit_url(consent_form)))
        data = {"step": "sign", "version": consent_form.version, "password": PASSWORD}
        assert client.post(transition_url(consent_form), data).status_code == 403

    def test_lock_says_who_and_when_and_unlock_needs_a_reason(
        self, client, consent_form, datamanager, inv_s01
    ):
        client.force_login(datamanager)
        data = {"step": "lock", "version": consent_form.version}
        assert client.post(transition_url(consent_form), data).status_code == 302
        client.force_login(inv_s01)
        shown = client.get(edit_url(consent_form))
        assert "locked by datamanager" in page(shown)
        assert "Save changes" not in page(shown)
        refused = client.post(
            edit_url(consent_form),
            {"icversion": "9", "version": consent_form.version + 1, "change-detail": "x"},
        )
        assert refused.status_code == 302
        consent_form.refresh_from_db()
        assert consent_form.icversion == "2.1"
        client.force_login(datamanager)
        no_reason = client.post(transition_url(consent_form), {"step": "unlock", "reason": ""})
        assert no_reason.status_code == 200 and no_reason.context["unlock_form"].errors
        unlocked = client.post(
            transition_url(consent_form), {"step": "unlock", "reason": "Query answer to correct"}
        )
        assert unlocked.status_code == 302
        consent_form.refresh_from_db()
        assert consent_form.status == FormStatus.COMPLETE

    def test_step_not_possible_now_is_explained(self, client, consented, mon_s01, inv_s01):
        draft = services.crf_create(
            model=VitalSigns, patient=consented, acting_user=inv_s01, data={"height": 170}
        )
        client.force_login(mon_s01)
        response = client.post(
            transition_url(draft), {"step": "verify", "version": draft.version}, follow=True
        )
        assert "not possible now" in page(response)

    def test_unknown_step_is_a_bad_request(self, client, consent_form, inv_s01):
        client.force_login(inv_s01)
        assert client.post(transition_url(consent_form), {"step": "delete"}).status_code == 400


class TestLivePage:
    def test_folfox_preview_computes_bsa_and_planned_doses(self, client, s01, inv_s01):
        patient = randomized(make_patient(s01), inv_s01)
        client.force_login(inv_s01)
        url = reverse("ecrf:derived_preview", args=[patient.subject_id, "folfox_cycle"])
        response = client.post(url, {"weight": "70", "dose_level": "0"}, HTTP_HX_REQUEST="true")
        html = page(response)
        expected = valid_entry("folfox_cycle", patient)
        assert 'id="derived-bsa"' in html and 'hx-swap-oob="true"' in html
        assert f">{expected['oxa_exdose']}<" in html
        assert f">{expected['fui_exdose']}<" in html

    def test_preview_without_height_says_why(self, client, consented, inv_s01):
        client.force_login(inv_s01)
        url = reverse("ecrf:derived_preview", args=[consented.subject_id, "folfox_cycle"])
        response = client.post(url, {"weight": "70"})
        assert "No height is recorded" in page(response)

    def test_vital_signs_preview_and_eligibility_verdict(self, client, consented, inv_s01):
        client.force_login(inv_s01)
        vitals = reverse("ecrf:derived_preview", args=[consented.subject_id, "vital_signs"])
        assert ">1.82<" in page(client.post(vitals, {"height": "170", "weight": "70"}))
        eligibility = reverse("ecrf:derived_preview", args=[consented.subject_id, "eligibility"])
        assert ">No<" in page(client.post(eligibility, {"ex01": "Y"}))

    def test_form_with_derived_items_posts_to_the_preview(self, client, consented, inv_s01):
        client.force_login(inv_s01)
        html = page(client.get(new_url(consented, "vital_signs")))
        assert "hx-post=" in html and "input changed delay:300ms" in html
        assert 'type="date"' in html
        assert '<span class="input-group-text">cm</span>' in html

    def test_dependent_items_name_what_they_depend_on(self, client, s01, inv_s01):
        patient = randomized(make_patient(s01), inv_s01)
        client.force_login(inv_s01)
        html = page(client.get(new_url(patient, "adverse_event")))
        assert 'data-shown-when="aeser"' in html
        assert 'data-shown-when="aeongo"' in html
        html = page(client.get(new_url(patient, "folfox_cycle")))
        assert 'data-shown-when="delayed"' in html

    def test_cycle_visit_proposes_its_cycle_number(self, client, s01, inv_s01):
        patient = randomized(make_patient(s01), inv_s01)
        visit = patient.visits.get(code="C01")
        client.force_login(inv_s01)
        response = client.get(new_url(patient, "folfox_cycle", visit=visit.pk))
        assert response.context["form"].initial["cycle"] == 1
        data = {**as_post(valid_entry("folfox_cycle", patient)), "visit": visit.pk}
        client.post(new_url(patient, "folfox_cycle"), data)
        assert FolfoxCycle.objects.get(patient=patient).visit == visit

    def test_open_query_shows_on_the_form(self, client, consent_form, mon_s01, inv_s01):
        from trial.history import record_save

        record_save(
            Query(
                patient=consent_form.patient,
                site=consent_form.site,
                form_type=ContentType.objects.get_for_model(Consent),
                form_id=consent_form.pk,
                field_name="icversion",
                text="Version on the signed sheet reads 2.0",
                raised_by=mon_s01,
            ),
            acting_user=mon_s01,
        )
        client.force_login(inv_s01)
        html = page(client.get(edit_url(consent_form)))
        assert "Version on the signed sheet reads 2.0" in html
        assert "Consent form version" in html


def test_form_labels_follow_the_users_language(client, consented, inv_s01, settings):
    from django.utils import translation

    url = new_url(consented, "vital_signs")
    client.force_login(inv_s01)
    assert "Date measured" in page(client.get(url))
    with translation.override("zh-hans"):
        chinese = str(crf_form_class(VitalSigns)().fields["vsdat"].label)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = page(client.get(url))
    # The middleware leaves the last language active in the thread: end on English.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get(url).status_code == 200
    assert chinese != "Date measured" and chinese in html
