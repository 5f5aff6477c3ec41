"""A stored value reads the same on the form pages and in the audit trail: choice labels, Yes
or No, ISO 8601 dates and times, related records by name. Only "no value" differs: a dash on
a form, an empty cell in the trail."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import models
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from ecrf.display import display_value, heading
from ecrf.models.base import YesNoUnknown
from trial.models import Site

SHANGHAI = ZoneInfo("Asia/Shanghai")
CODED = models.CharField(max_length=1, choices=YesNoUnknown.choices)
SITE = models.ForeignKey(Site, on_delete=models.PROTECT)


@pytest.mark.parametrize(
    ("model_field", "value", "shown"),
    [
        (CODED, "Y", "Yes"),
        (CODED, "U", "Unknown"),
        (CODED, "Z", "Z"),  # a code no longer offered reads as stored
        (models.BooleanField(), True, "Yes"),
        (models.BooleanField(), False, "No"),
        (models.DateField(), date(2026, 3, 2), "2026-03-02"),
        (models.DateField(), date(999, 1, 1), "0999-01-01"),  # ISO 8601: four-digit years
        (models.DateTimeField(), datetime(2026, 3, 1, 20, 0, tzinfo=UTC), "2026-03-02 04:00:00"),
        (models.DecimalField(), Decimal("12.50"), "12.50"),
        (models.IntegerField(), 0, "0"),  # zero is a value
        (models.CharField(), "Grade 2 diarrhoea", "Grade 2 diarrhoea"),
        (models.JSONField(), ["consent", "eligibility"], '["consent", "eligibility"]'),
        (models.JSONField(), ["知情同意"], '["知情同意"]'),
        (SITE, 3, "S01"),  # named from the labels read for the page
        (SITE, 4, "4"),  # a record without a label: its key
    ],
)
def test_stored_value_reads_the_same_on_a_form_and_in_the_trail(model_field, value, shown):
    labels = {(Site, 3): "S01"}
    assert display_value(model_field, value, labels=labels, tz=SHANGHAI) == shown
    assert display_value(model_field, value, empty="", labels=labels, tz=SHANGHAI) == shown


@pytest.mark.parametrize("value", [None, ""])
@pytest.mark.parametrize("model_field", [CODED, models.BooleanField(), models.DateField(), SITE])
def test_no_value_is_a_dash_on_a_form_and_empty_in_the_trail(model_field, value):
    assert display_value(model_field, value) == "—"
    assert display_value(model_field, value, empty="") == ""


def test_times_are_shown_in_the_current_time_zone_unless_given_one():
    moment = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
    with translation.override("en"), timezone.override(SHANGHAI):
        assert display_value(models.DateTimeField(), moment) == "2026-03-02 04:00:00"
        assert display_value(models.DateTimeField(), moment, tz=UTC) == "2026-03-01 20:00:00"


def test_words_follow_the_readers_language():
    with translation.override("zh-hans"):
        assert display_value(models.BooleanField(), True) == "是"
        assert display_value(CODED, "N") == "否"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("informed consent", "Informed consent"),
        ("ctDNA sample", "ctDNA sample"),
        ("pT stage", "pT stage"),
        ("CEA", "CEA"),
        ("", ""),
    ],
)
def test_heading(text, shown):
    assert heading(text) == shown


def test_heading_of_lazy_text_stays_lazy():
    label = heading(gettext_lazy("site"))
    assert isinstance(label, Promise)
    with translation.override("en"):
        assert str(label) == "Site"
