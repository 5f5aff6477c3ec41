"""Words the eCRF composes around stored values (the grade of an event, units in words)
follow the reader's language; unit symbols and what is exported stay as stored."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from ecrf import dictionary, services
from ecrf.models import AdverseEvent, CapecitabineCycle, FolfoxCycle
from ecrf.views.entry_casebook import summary
from tests.ecrf.builders import randomized
from tests.ecrf.entry_data import valid_entry
from tests.factories import make_patient

CHINESE = "zh-hans"


def test_adverse_event_summary_names_the_grade_in_the_readers_language(s01, inv_s01):
    patient = randomized(make_patient(s01), inv_s01)
    event = services.crf_create(
        model=AdverseEvent,
        patient=patient,
        acting_user=inv_s01,
        data=valid_entry("adverse_event", patient),
    )
    assert " · grade 2 · " in summary(event)
    with translation.override(CHINESE):
        assert " · 2 级 · " in summary(event)


@pytest.mark.parametrize(
    ("model", "item", "english", "chinese"),
    [
        (FolfoxCycle, "delay_days", "days", "天"),
        (CapecitabineCycle, "daily_dose", "mg/day", "mg/天"),
        (CapecitabineCycle, "planned_daily_dose", "mg/day", "mg/天"),
        (FolfoxCycle, "oxa_planned", "mg", "mg"),
        (FolfoxCycle, "bsa", "m²", "m²"),
        (CapecitabineCycle, "compliance", "%", "%"),
    ],
)
def test_units_in_words_are_translated_and_symbols_kept(model, item, english, chinese):
    assert model.unit_label(item) == english
    with translation.override(CHINESE):
        assert model.unit_label(item) == chinese
        assert model.unit_of(item) == english  # the stored unit, as the exports name it


def test_data_dictionary_keeps_the_english_unit():
    with translation.override(CHINESE):
        units = {v.variable: v.unit for v in dictionary.variables_of(CapecitabineCycle)}
    assert units["daily_dose"] == "mg/day"


def test_chinese_cycle_form_shows_units_in_chinese(client, s01, inv_s01):
    patient = randomized(make_patient(s01), inv_s01)
    client.force_login(inv_s01)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = CHINESE
    url = reverse("ecrf:form_new", args=[patient.subject_id, "folfox_cycle"])
    page = client.get(url).content.decode()
    assert '<span class="input-group-text">天</span>' in page
    assert '<span class="input-group-text">m²</span>' in page
    assert '<span class="input-group-text">days</span>' not in page
