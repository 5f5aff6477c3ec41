"""The project's own 403 and 404 pages: in the eCRF's frame, in plain words, translated."""

import pytest
from django.conf import settings
from django.urls import reverse

CHINESE = "zh-hans"


@pytest.fixture
def adverse_event_url(pat_s01):
    return reverse("ecrf:form_new", args=[pat_s01.subject_id, "adverse_event"])


def test_monitor_posting_a_new_adverse_event_sees_the_project_403_page(
    client, mon_s01, adverse_event_url
):
    client.force_login(mon_s01)
    response = client.post(adverse_event_url, {"aeterm": "Nausea"})
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-testid="error-403"' in page
    assert "You are not allowed to do this" in page
    assert "nothing was saved or changed" in page
    assert f'href="{reverse("home")}"' in page
    assert "mon_s01" in page  # the page keeps the navigation of a signed-in user


def test_monitor_sees_the_403_page_in_chinese(client, mon_s01, adverse_event_url):
    client.force_login(mon_s01)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = CHINESE
    response = client.post(adverse_event_url, {"aeterm": "Nausea"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "您无权执行此操作" in page and "返回患者列表" in page
    assert "You are not allowed" not in page


def test_a_patient_of_another_site_is_the_project_404_page(client, inv_s02, pat_s01):
    client.force_login(inv_s02)
    response = client.get(reverse("ecrf:casebook", args=[pat_s01.subject_id]))
    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-testid="error-404"' in page and "Page not found" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = CHINESE
    page = client.get(reverse("ecrf:casebook", args=[pat_s01.subject_id])).content.decode()
    assert "页面不存在" in page


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "nothing was saved"), ("zh-hans", "未保存任何内容")],
)
def test_a_form_without_its_security_token_gets_the_project_page(inv_s01, language, text):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(inv_s01)
    client.cookies["django_language"] = language
    response = client.post(reverse("ecrf:register_patient"), {"sex": "F"})
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-testid="error-403-csrf"' in page and text in page
