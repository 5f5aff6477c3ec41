"""The patient list and the queries list filter alike: the site filter offers the user's sites
only, a value that is not valid is shown as an error and not applied, and the page, sort and
status links keep the other filters."""

import pytest
from django.urls import reverse

from tests.factories import make_patient

PATIENTS = reverse("ecrf:patient_list")
QUERIES = reverse("ecrf:query_list")


@pytest.mark.parametrize("url", [PATIENTS, QUERIES])
def test_site_filter_is_shown_with_the_study_sites_to_a_data_manager(
    client, s01, s02, datamanager, url
):
    client.force_login(datamanager)
    html = client.get(url).content.decode()
    assert '<option value="S01">' in html and '<option value="S02">' in html


@pytest.mark.parametrize("url", [PATIENTS, QUERIES])
def test_site_filter_is_not_shown_to_the_staff_of_one_site(client, s01, s02, inv_s01, url):
    client.force_login(inv_s01)
    response = client.get(url)
    assert list(response.context["filters"].form.fields["site"].queryset) == [s01]
    assert 'id="id_site"' not in response.content.decode()


@pytest.mark.parametrize(
    "url, asked",
    [
        (PATIENTS, {"site": "S02", "q": "S01"}),
        (PATIENTS, {"status": "zombie", "q": "S01"}),
        (QUERIES, {"site": "S02", "patient": "S01"}),
        (QUERIES, {"status": "zombie", "patient": "S01"}),
    ],
)
def test_a_value_that_is_not_valid_is_shown_and_not_applied(client, s01, s02, inv_s01, url, asked):
    client.force_login(inv_s01)
    response = client.get(url, asked)
    assert response.status_code == 200
    filters = response.context["filters"]
    assert list(filters.errors) == [name for name in asked if name in ("site", "status")]
    assert response.context["status"] == ""
    assert "Select a valid choice." in response.content.decode()


def test_page_sort_and_status_links_keep_the_filters(client, s01, inv_s01):
    for _ in range(27):
        make_patient(s01)
    client.force_login(inv_s01)
    html = client.get(PATIENTS, {"q": "S01", "sort": "-subject", "page": "2"}).content.decode()
    assert 'href="?q=S01&amp;sort=-subject&amp;page=1"' in html  # previous page
    assert 'href="?q=S01&amp;sort=subject"' in html  # the sorted column, the other way
    assert 'href="?q=S01&amp;sort=site"' in html  # another column, from the first page
    assert 'href="?q=S01&amp;sort=-subject&amp;status=screening"' in html  # a status tab
