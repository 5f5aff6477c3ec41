"""The adverse event form's CTCAE picker: search as you type (with the words clinicians use),
only the grades the term defines, each with its definition, and errors at the item."""

import pytest
from django.urls import reverse

from ecrf import ctcae
from ecrf.models import AdverseEvent
from tests.ecrf.builders import randomized
from tests.ecrf.entry_data import as_post, valid_entry
from tests.factories import make_patient

ALOPECIA = "10001760"  # grades 1 and 2 only
HAND_FOOT = "10054524"  # grades 1 to 3


def search(client, text):
    return client.get(reverse("ecrf:ctcae_search"), {"ctcae_q": text})


def grades(client, code, grade=""):
    return client.get(reverse("ecrf:ctcae_grades"), {"aeptcd": code, "aetoxgr": grade})


@pytest.mark.parametrize(
    "typed, first",
    [
        ("hand foot", "Palmar-plantar erythrodysesthesia syndrome"),
        ("ALT", "Alanine aminotransferase increased"),
        ("neutropenia", "Neutrophil count decreased"),
        ("diarrhoea", "Diarrhea"),
        ("periph sens", "Peripheral sensory neuropathy"),
        ("10001760", "Alopecia"),
    ],
)
def test_clinicians_words_find_the_ctcae_term(typed, first):
    assert ctcae.find_terms(typed, limit=5)[0].term == first


def test_every_synonym_names_a_ctcae_term():
    known = {t.term for t in ctcae.terms()}
    assert set(ctcae.SYNONYMS.values()) <= known


def test_find_terms_lists_each_term_once_and_respects_the_limit():
    found = ctcae.find_terms("neutro", limit=3)
    assert len(found) == len(set(found)) <= 3
    assert ctcae.find_terms("   ") == []


def test_search_page_lists_terms_as_buttons(client, inv_s01):
    client.force_login(inv_s01)
    html = search(client, "hand foot").content.decode()
    assert "Palmar-plantar erythrodysesthesia syndrome" in html
    assert f"aeptcd={HAND_FOOT}" in html
    assert 'type="button"' in html


def test_search_says_when_nothing_matches(client, inv_s01):
    client.force_login(inv_s01)
    assert "No CTCAE term matches" in search(client, "zzzqqq").content.decode()
    assert search(client, "").content.decode().strip() == ""


def test_grades_are_only_those_of_the_term_with_their_definition(client, inv_s01):
    client.force_login(inv_s01)
    response = grades(client, ALOPECIA)
    html = response.content.decode()
    assert response.status_code == 200
    assert [value for value, _label in response.context["field"].field.choices] == [1, 2]
    assert "Hair loss of &lt;50% of normal" in html
    assert 'value="3"' not in html
    assert 'id="ctcae-chosen"' in html and 'hx-swap-oob="true"' in html
    assert f'name="aeptcd" value="{ALOPECIA}"' in html


def test_picking_another_term_keeps_a_grade_that_still_exists(client, inv_s01):
    client.force_login(inv_s01)
    assert 'value="2" checked' in grades(client, HAND_FOOT, "2").content.decode()
    assert "checked" not in grades(client, ALOPECIA, "3").content.decode()


def test_unknown_term_gives_no_grades_and_no_error_page(client, inv_s01):
    client.force_login(inv_s01)
    response = grades(client, "99999999")
    assert response.status_code == 200
    assert "Choose the term first" in response.content.decode()


@pytest.fixture
def patient(s01, inv_s01):
    return randomized(make_patient(s01), inv_s01)


def post_ae(client, patient, **changes):
    data = {**as_post(valid_entry("adverse_event", patient)), "submit": "complete"}
    data.update({k: v for k, v in changes.items() if v is not None})
    for name in [k for k, v in changes.items() if v is None]:
        data.pop(name, None)
    return client.post(reverse("ecrf:form_new", args=[patient.subject_id, "adverse_event"]), data)


def test_term_and_class_are_derived_from_the_code(client, patient, inv_s01):
    client.force_login(inv_s01)
    assert post_ae(client, patient, aeptcd=ALOPECIA, aetoxgr="1").status_code == 302
    event = AdverseEvent.objects.get(patient=patient)
    assert (event.aeterm, event.aesoc) == ("Alopecia", "Skin and subcutaneous tissue disorders")


def test_grade_the_term_does_not_define_is_refused_at_the_grade(client, patient, inv_s01):
    client.force_login(inv_s01)
    response = post_ae(client, patient, aeptcd=ALOPECIA, aetoxgr="3")
    assert response.status_code == 200
    [message] = response.context["form"].errors["aetoxgr"]
    assert "Grade 3 does not exist for this term" in message
    assert f'value="{ALOPECIA}"' in response.content.decode()


def test_code_not_in_ctcae_is_refused_at_the_term(client, patient, inv_s01):
    client.force_login(inv_s01)
    response = post_ae(client, patient, aeptcd="12345")
    assert response.status_code == 200
    assert "is not a CTCAE v5.0 term" in " ".join(response.context["form"].errors["aeptcd"])


def test_serious_event_needs_a_criterion_said_at_serious(client, patient, inv_s01):
    client.force_login(inv_s01)
    response = post_ae(client, patient, aeser="on")
    assert response.status_code == 200
    assert response.context["form"].errors["aeser"]
    fixed = post_ae(client, patient, aeser="on", aeshosp="on")
    assert fixed.status_code == 302
    assert AdverseEvent.objects.get(patient=patient).aeshosp


def test_missing_term_is_required_to_complete(client, patient, inv_s01):
    client.force_login(inv_s01)
    response = post_ae(client, patient, aeptcd=None, aetoxgr=None)
    assert response.context["form"].errors["aeptcd"] == ["Required to mark the form complete."]


def test_saved_event_shows_its_term_and_only_its_grades(client, patient, inv_s01):
    client.force_login(inv_s01)
    saved = post_ae(client, patient, aeptcd=HAND_FOOT, aetoxgr="2")
    html = client.get(saved.url).content.decode()
    assert "Palmar-plantar erythrodysesthesia syndrome" in html
    assert 'name="aetoxgr" id="id_aetoxgr_2" value="3"' in html
    assert 'value="4"' not in html.split('id="aetoxgr-block"')[1].split("</fieldset>")[0]
