"""Reading the trail: the patient's timeline, a form's and an item's history."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecrf import services
from ecrf.models import VitalSigns
from ecrf.models.workflow import Query
from tests.factories import make_patient
from trial.history import record_save
from trial.models import Site

NOON_UTC = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def patient_url(patient, **query):
    url = reverse("ecrf:audit_patient", args=[patient.subject_id])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def form_url(crf, **query):
    url = reverse("ecrf:audit_form", args=[crf.patient.subject_id, crf.FORM_CODE, crf.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def entries(response) -> int:
    return response.content.decode().count('data-testid="audit-entry"')


@pytest.fixture
def vitals(s01, inv_s01, coord_s01, pat_s01):
    """Height and weight entered, completed, then corrected with a reason, at a site in
    Shanghai (UTC+8)."""
    Site.objects.filter(pk=s01.pk).update(time_zone="Asia/Shanghai")
    with time_machine.travel(NOON_UTC, tick=False):
        crf = services.crf_create(
            model=VitalSigns,
            patient=pat_s01,
            acting_user=coord_s01,
            data={"vsdat": NOON_UTC.date(), "height": 170, "weight": 70},
            complete=True,
        )
    with time_machine.travel(NOON_UTC + timedelta(days=1), tick=False):
        crf = services.crf_save(
            crf=crf,
            data={"weight": Decimal("72.5")},
            acting_user=inv_s01,
            loaded_version=crf.version,
            reason="Transcription error",
        )
    return crf


def test_patient_trail_shows_item_old_new_user_role_time_and_reason(client, mon_s01, vitals):
    client.force_login(mon_s01)
    response = client.get(patient_url(vitals.patient))
    assert response.status_code == 200
    page = text(response)
    assert (
        '<td>Weight (kg)</td> <td class="text-break">70.0</td> '
        '<td class="text-break">72.5</td>' in page
    )
    assert "2026-03-03 12:00:00" in page  # Asia/Shanghai, the site's zone
    assert re.search(r'inv_s01</td> <td rowspan="\d+">Investigator</td>', page)
    assert "Transcription error" in page
    assert "coord_s01" in page and "Study coordinator" in page
    assert "Female" in page  # the patient's sex by its label, not its code
    assert "Complete" in page  # the form status by its label


def test_chinese_reader_sees_system_reasons_in_chinese_and_typed_reasons_as_typed(
    client, mon_s01, vitals
):
    client.force_login(mon_s01)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = text(client.get(patient_url(vitals.patient)))
    assert "表单已创建" in page and "患者已登记" in page
    assert "Form created" not in page and "Patient registered" not in page
    assert "Transcription error" in page  # typed by the investigator


def test_csv_export_keeps_the_stored_english_reason(client, mon_s01, vitals):
    client.force_login(mon_s01)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    url = reverse("ecrf:audit_export") + f"?patient={vitals.patient.subject_id}"
    body = b"".join(client.get(url).streaming_content).decode().lstrip("\ufeff")
    reasons = {row["reason"] for row in csv.DictReader(io.StringIO(body))}
    assert {"Form created", "Patient registered", "Transcription error"} <= reasons
    assert "表单已创建" not in reasons


def test_newest_change_comes_first(client, mon_s01, vitals):
    client.force_login(mon_s01)
    page = text(client.get(patient_url(vitals.patient)))
    assert page.index("Transcription error") < page.index("Form created")


def test_times_follow_the_site_time_zone(client, mon_s01, vitals, s01):
    Site.objects.filter(pk=s01.pk).update(time_zone="Europe/Paris")
    client.force_login(mon_s01)
    page = text(client.get(patient_url(vitals.patient)))
    assert "2026-03-03 05:00:00" in page and "Europe/Paris" in page


def test_filter_by_form(client, mon_s01, vitals):
    client.force_login(mon_s01)
    response = client.get(patient_url(vitals.patient, form="vital_signs"))
    assert entries(response) == 2
    assert "Patient registered" not in text(response)


def test_filter_by_item_keeps_only_changes_of_that_item(client, mon_s01, vitals):
    client.force_login(mon_s01)
    response = client.get(patient_url(vitals.patient, form="vital_signs", field="height"))
    assert entries(response) == 1  # set once, at creation
    page = text(response)
    assert "Height (cm)" in page and "Weight (kg)" not in page
    response = client.get(patient_url(vitals.patient, field="weight"))
    assert entries(response) == 2


def test_filter_by_user(client, mon_s01, inv_s01, vitals):
    client.force_login(mon_s01)
    response = client.get(patient_url(vitals.patient, user=inv_s01.pk))
    page = text(response)
    assert "Transcription error" in page and "Form created" not in page


def test_filter_by_date_range_in_the_site_time_zone(client, mon_s01, vitals):
    client.force_login(mon_s01)
    response = client.get(patient_url(vitals.patient, date_from="2026-03-03", date_to="2026-03-03"))
    assert entries(response) == 1
    assert "Transcription error" in text(response)


@pytest.mark.parametrize(
    "query, field, message",
    [
        ({"date_from": "2026-13-45"}, "date_from", "Enter a valid date."),
        ({"date_from": "2026-03-04", "date_to": "2026-03-01"}, "date_to", "before the start"),
        ({"field": "no_such_item"}, "field", "Select a valid choice."),
        ({"form": "no_such_form"}, "form", "Select a valid choice."),
        ({"user": "abc"}, "user", "Select a valid choice."),
    ],
)
def test_bad_filter_is_said_at_its_field_and_kept(client, mon_s01, vitals, query, field, message):
    client.force_login(mon_s01)
    response = client.get(patient_url(vitals.patient, **query))
    assert response.status_code == 200
    form = response.context["filter_form"]
    assert message in " ".join(form.errors[field])
    for name, value in query.items():
        assert f'value="{value}"' in response.content.decode() or name in ("form", "field", "user")


def test_form_history_and_its_queries(client, mon_s01, vitals):
    record_save(
        Query(
            patient=vitals.patient,
            site=vitals.site,
            form_type_id=_content_type(VitalSigns),
            form_id=vitals.pk,
            field_name="weight",
            text="Please check the weight.",
            raised_by=mon_s01,
        ),
        acting_user=mon_s01,
        reason="Query raised",
    )
    client.force_login(mon_s01)
    response = client.get(form_url(vitals))
    assert response.status_code == 200
    page = text(response)
    assert entries(response) == 3
    assert "Please check the weight." in page and "Patient registered" not in page
    assert f"History of Height and weight #{vitals.pk}" in page


def test_item_history_is_the_form_page_filtered_by_field(client, mon_s01, vitals):
    client.force_login(mon_s01)
    response = client.get(form_url(vitals, field="weight"))
    page = text(response)
    assert entries(response) == 2
    assert "Weight (kg)" in page and "Height (cm)" not in page


def test_form_of_another_patient_is_not_found(client, mon_s01, vitals, s01):
    other = make_patient(s01)
    client.force_login(mon_s01)
    url = reverse("ecrf:audit_form", args=[other.subject_id, "vital_signs", vitals.pk])
    assert client.get(url).status_code == 404
    url = reverse("ecrf:audit_form", args=[vitals.patient.subject_id, "no_form", vitals.pk])
    assert client.get(url).status_code == 404


def test_monitor_of_s01_cannot_read_the_trail_of_s02(client, mon_s01, inv_s02, pat_s02):
    crf = services.crf_create(
        model=VitalSigns, patient=pat_s02, acting_user=inv_s02, data={"weight": 60}
    )
    client.force_login(mon_s01)
    assert client.get(patient_url(pat_s02)).status_code == 404
    assert client.get(form_url(crf)).status_code == 404
    assert client.get(form_url(crf, field="weight")).status_code == 404


def test_patient_page_links_each_form_entry_to_the_form_history(client, mon_s01, vitals):
    client.force_login(mon_s01)
    assert form_url(vitals) in client.get(patient_url(vitals.patient)).content.decode()


def _content_type(model):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model).pk


# Size: pagination and a constant number of queries ------------------------------------------


def add_history_rows(crf, count: int):
    """count saves of the form's weight, written straight into its history table."""
    history = type(crf).history.model
    template = crf.history.first()
    fields = [f.attname for f in history._meta.concrete_fields if f.attname != "history_id"]
    start = timezone.now()
    rows = []
    for n in range(count):
        row = history(**{name: getattr(template, name) for name in fields})
        row.weight = Decimal(50 + n % 40)
        row.history_type = "~"
        row.history_date = start + timedelta(seconds=n + 1)
        row.history_change_reason = f"Save {n}"
        rows.append(row)
    history.objects.bulk_create(rows, batch_size=1000)


def _queries(client, url) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


def test_trail_of_5000_changes_paginates_with_a_constant_number_of_queries(client, mon_s01, vitals):
    client.force_login(mon_s01)
    small, _ = _queries(client, patient_url(vitals.patient))
    add_history_rows(vitals, 5000)
    large, response = _queries(client, patient_url(vitals.patient))
    assert large <= small <= 30
    assert entries(response) == 50
    assert response.context["page"].paginator.count >= 5000
    page = text(response)
    assert "Save 4999" in page and "Save 4950" in page and "Save 4949" not in page

    deep, response = _queries(client, patient_url(vitals.patient, page=60))
    assert deep <= small
    assert "Save 2049" in text(response)
    filtered, response = _queries(client, patient_url(vitals.patient, field="weight", page=2))
    assert filtered <= small
    assert entries(response) == 50


def test_out_of_range_page_shows_the_last_page(client, mon_s01, vitals):
    add_history_rows(vitals, 60)
    client.force_login(mon_s01)
    response = client.get(patient_url(vitals.patient, page=999))
    assert response.context["page"].number == response.context["page"].paginator.num_pages
    assert "Page 2 of 2" in text(response) and "Newer" in text(response)
    assert client.get(patient_url(vitals.patient, page="x")).context["page"].number == 1


def test_choosing_another_form_offers_its_items_and_drops_the_old_one(client, mon_s01, vitals):
    client.force_login(mon_s01)
    url = patient_url(vitals.patient, form="vital_signs", field="sex")
    response = client.get(url, headers={"HX-Request": "true"})
    form = response.context["filter_form"]
    assert not form.errors
    assert "height" in dict(form.fields["field"].choices)
    assert "sex" not in dict(form.fields["field"].choices)
    assert entries(response) == 2
    assert "field" in client.get(url).context["filter_form"].errors  # typed, not chosen


def test_the_item_filter_renders_as_django_renders_a_select():
    from django import forms
    from django.test.html import parse_html

    from ecrf.views.audit import PlainSelect

    choices = [("", "All"), ("weight", 'Weight <kg> & "more"'), ("height", "Height")]
    attrs = {"id": "id_field", "class": "form-select"}
    for value in ("", "weight"):
        ours = PlainSelect(choices=choices).render("field", value, attrs)
        django = forms.Select(choices=choices).render("field", value, attrs)
        assert parse_html(ours) == parse_html(django)


def test_the_role_shown_is_the_role_held_when_the_change_was_made(client, s01, mon_s01, pat_s01):
    from tests.factories import UserFactory
    from trial.history import system_user
    from trial.models import Membership, Role

    person = UserFactory(username="promoted")
    with time_machine.travel(NOON_UTC - timedelta(days=10), tick=False):
        membership = record_save(
            Membership(user=person, site=s01, role=Role.COORDINATOR), acting_user=system_user()
        )
    with time_machine.travel(NOON_UTC, tick=False):
        crf = services.crf_create(
            model=VitalSigns, patient=pat_s01, acting_user=person, data={"weight": 70}
        )
    with time_machine.travel(NOON_UTC + timedelta(days=1), tick=False):
        membership.role = Role.INVESTIGATOR
        record_save(membership, acting_user=system_user(), reason="Promoted")
    with time_machine.travel(NOON_UTC + timedelta(days=2), tick=False):
        services.crf_save(
            crf=crf, data={"weight": 71}, acting_user=person, loaded_version=crf.version
        )
    client.force_login(mon_s01)
    response = client.get(patient_url(pat_s01, form="vital_signs"))
    roles = [entry.role for entry in response.context["entries"] if entry.username == "promoted"]
    assert roles == ["Investigator", "Study coordinator"]  # newest first
