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
