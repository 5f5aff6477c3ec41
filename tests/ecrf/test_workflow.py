"""The form workflow table (ecrf/workflow.py) drives both the services and the form page:
for every step and every state, the service refuses exactly when the page does not offer it."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from ecrf import services, workflow
from ecrf.models import Consent, FormStatus
from ecrf.workflow import NOT_STARTED, Refusal
from tests.ecrf.entry_data import with_consent
from tests.factories import PASSWORD, make_patient
from trial.access import Action
from trial.models import Patient

DRAFT, COMPLETE, VERIFIED, SIGNED, LOCKED = (
    FormStatus.DRAFT,
    FormStatus.COMPLETE,
    FormStatus.VERIFIED,
    FormStatus.SIGNED,
    FormStatus.LOCKED,
)
STATES = (NOT_STARTED, DRAFT, COMPLETE, VERIFIED, SIGNED, LOCKED)

# The protocol's form life, written out as the trial's SOPs say it.
TAKEN_FROM = {
    "draft": {NOT_STARTED, DRAFT},
    "complete": {NOT_STARTED, DRAFT},
    "change": {COMPLETE, VERIFIED, SIGNED},
    "verify": {COMPLETE},
    "sign": {COMPLETE, VERIFIED},
    "lock": {COMPLETE, VERIFIED, SIGNED},
    "unlock": {LOCKED},
    "withdraw": {DRAFT, COMPLETE, VERIFIED, SIGNED},
}
WHO = {
    "draft": Action.ENTER,
    "complete": Action.ENTER,
    "change": Action.ENTER,
    "verify": Action.VERIFY,
    "sign": Action.SIGN,
    "lock": Action.LOCK,
    "unlock": Action.LOCK,
    "withdraw": Action.ENTER,
}


# The table, without a database ------------------------------------------------------------


def test_the_table_has_every_step_once():
    assert [step.name for step in workflow.STEPS] == list(TAKEN_FROM)


@pytest.mark.parametrize("step", workflow.STEPS, ids=str)
@pytest.mark.parametrize("state", STATES)
def test_each_step_is_taken_from_its_states_only(step, state):
    expected = None
    if state not in TAKEN_FROM[step.name]:
        expected = Refusal.LOCKED if state == LOCKED else Refusal.NOT_NOW
    assert workflow.refusal(step, state) == expected
    assert step.action == WHO[step.name]


@pytest.mark.parametrize("step", workflow.STEPS, ids=str)
def test_a_form_entered_in_error_takes_no_step(step):
    for state in STATES:
        assert workflow.refusal(step, state, form_withdrawn=True) == Refusal.FORM_WITHDRAWN


@pytest.mark.parametrize(
    ("step", "refused"),
    [
        (workflow.DRAFT, True),
        (workflow.COMPLETE, True),
        (workflow.CHANGE, True),
        (workflow.VERIFY, False),
        (workflow.SIGN, False),
        (workflow.LOCK, False),
        (workflow.UNLOCK, False),
        (workflow.WITHDRAW, False),
    ],
    ids=str,
)
def test_a_patient_entered_in_error_gets_no_data_entered(step, refused):
    state = next(iter(TAKEN_FROM[step.name]))
    got = workflow.refusal(step, state, patient_withdrawn=True)
    assert got == (Refusal.PATIENT_WITHDRAWN if refused else None)


@pytest.mark.parametrize(
    ("state", "complete", "expected"),
    [
        (NOT_STARTED, False, "draft"),
        (NOT_STARTED, True, "complete"),
        (DRAFT, False, "draft"),
        (DRAFT, True, "complete"),
        (COMPLETE, False, "change"),
        (COMPLETE, True, "change"),
        (VERIFIED, False, "change"),
        (SIGNED, True, "change"),
    ],
)
def test_a_save_takes_the_step_of_the_forms_state(state, complete, expected):
    assert workflow.entry_step(state, complete=complete).name == expected


def test_data_can_be_entered_in_every_state_but_locked():
    for state in STATES:
        has_step = any(workflow.refusal(s, state) is None for s in workflow.ENTRY_STEPS)
        assert has_step == (state != LOCKED), state


# The services and the page, read from the same table --------------------------------------

# (form status, form entered in error, patient entered in error)
SITUATIONS = [(state, False, False) for state in FormStatus] + [
    (COMPLETE, True, False),
    (COMPLETE, False, True),
    (LOCKED, False, True),
]
PERSONA_FOR = {
    Action.ENTER: "inv_s01",
    Action.VERIFY: "mon_s01",
    Action.SIGN: "inv_s01",
    Action.LOCK: "dm_s01",
}
PERSONAS = ("inv_s01", "coord_s01", "mon_s01", "dm_s01")


@pytest.fixture
def consent(s01, inv_s01):
    return Consent.objects.get(patient=with_consent(make_patient(s01), inv_s01))


def put(crf, status, form_withdrawn, patient_withdrawn):
    """The form in a situation, set directly: the test is about what each side offers."""
    Consent.objects.filter(pk=crf.pk).update(status=status, entered_in_error=form_withdrawn)
    Patient.objects.filter(pk=crf.patient_id).update(entered_in_error=patient_withdrawn)
    return Consent.objects.select_related("patient", "site").get(pk=crf.pk)


def form_page(client, user, crf) -> str:
    client.force_login(user)
    url = reverse("ecrf:form_edit", args=[crf.patient.subject_id, "consent", crf.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def service_takes(step, crf, user) -> bool:
    try:
        services.take_step(step, crf=crf, acting_user=user, password=PASSWORD, reason="Test")
    except (services.CrfError, PermissionDenied):
        return False
    return True


@pytest.mark.parametrize("step", workflow.TRANSITIONS, ids=str)
def test_the_page_offers_a_step_exactly_when_the_service_takes_it(client, request, consent, step):
    user = request.getfixturevalue(PERSONA_FOR[step.action])
    for situation in SITUATIONS:
        crf = put(consent, *situation)
        offered = f'data-testid="step-{step.name}"' in form_page(client, user, crf)
        assert offered == service_takes(step, crf, user), situation


@pytest.mark.parametrize("step", workflow.TRANSITIONS, ids=str)
def test_a_step_is_offered_to_the_roles_the_service_lets_take_it(client, request, consent, step):
    state = sorted(TAKEN_FROM[step.name])[0]
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        crf = put(consent, state, False, False)
        offered = f'data-testid="step-{step.name}"' in form_page(client, user, crf)
        assert offered == service_takes(step, crf, user), persona


def test_the_page_offers_saving_exactly_when_the_service_saves(client, consent, inv_s01):
    for n, situation in enumerate(SITUATIONS):
        crf = put(consent, *situation)
        page = form_page(client, inv_s01, crf)
        offered = 'name="submit"' in page
        try:
            services.crf_save(
                crf=crf,
                data={"icversion": f"9.{n}"},
                acting_user=inv_s01,
                loaded_version=crf.version,
                reason="Test",
            )
        except services.CrfError:
            saved = False
        else:
            saved = True
        assert offered == saved, situation
        assert ('data-testid="read-only"' in page) == (not offered), situation


def test_a_withdrawn_patients_form_is_read_only_and_says_why(client, consent, inv_s01):
    crf = put(consent, COMPLETE, False, True)
    page = form_page(client, inv_s01, crf)
    assert "no data are entered for them" in page
    assert 'data-read-only="true"' in page
    assert "Save changes" not in page


def test_a_withdrawn_form_is_neither_verified_nor_locked(consent, mon_s01, dm_s01):
    crf = put(consent, COMPLETE, True, False)
    with pytest.raises(services.TransitionRefused, match="withdrawn as entered in error"):
        services.crf_verify(crf=crf, acting_user=mon_s01)
    with pytest.raises(services.TransitionRefused, match="withdrawn as entered in error"):
        services.crf_lock(crf=crf, acting_user=dm_s01)
