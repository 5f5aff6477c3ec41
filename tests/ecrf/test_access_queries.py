"""Access expectations for queries and edit-check findings (see tests/access_matrix.py).

The world's S01 FOLFOX cycle has an open query from S01's monitor and an open finding.
Monitors and data managers of S01 (and study-wide) raise, close and re-open queries; the
site's investigators and coordinators answer them and explain findings; everyone else who
sees S01 gets 403 on those writes, and staff of S02 get 404. Every write is a POST: a
successful or politely refused step goes back to the form (302). The queries list is
everyone's, limited to their own sites.
"""

import pytest
from django.urls import reverse

from ecrf import services
from ecrf.models import Query
from tests.access_matrix import PERSONAS, Page
from tests.ecrf.builders import build_world

EVERYONE = dict.fromkeys(PERSONAS, 200)
S01_QUERY = {
    "inv_s01": 403,
    "coord_s01": 403,
    "mon_s01": 302,
    "dm_s01": 302,
    "datamanager": 302,
    "admin_user": 403,
}
S01_ANSWER = {
    "inv_s01": 302,
    "coord_s01": 302,
    "mon_s01": 403,
    "dm_s01": 403,
    "datamanager": 403,
    "admin_user": 403,
}


def s01_cycle(w):
    return {"subject_id": w.pat_s01.subject_id, "form_code": "folfox_cycle", "pk": w.folfox_s01.pk}


def s01_query(w):
    return {**s01_cycle(w), "query_pk": w.query_s01.pk}


def s01_finding(w):
    return {**s01_cycle(w), "finding_pk": w.finding_s01.pk}


ACCESS_MATRIX = {
    "ecrf:query_list": Page(expect=EVERYONE),
    "ecrf:query_raise": Page(
        kwargs=s01_cycle,
        expect=S01_QUERY,
        method="post",
        data=lambda w: {"field_name": "weight", "text": "Height on the chart?"},
    ),
    "ecrf:query_answer": Page(
        kwargs=s01_query,
        expect=S01_ANSWER,
        method="post",
        data=lambda w: {"answer": "70 kg on the chart."},
    ),
    "ecrf:query_close": Page(
        kwargs=s01_query,
        expect=S01_QUERY,
        method="post",
        data=lambda w: {"note": "Checked at the visit."},
    ),
    # The world's query is open, so re-opening is refused politely back on the form.
    "ecrf:query_reopen": Page(
        kwargs=s01_query,
        expect=S01_QUERY,
        method="post",
        data=lambda w: {"text": "Again?"},
    ),
    "ecrf:finding_explain": Page(
        kwargs=s01_finding,
        expect=S01_ANSWER,
        method="post",
        data=lambda w: {"explanation": "Weighed twice."},
    ),
}

WRITES = [name for name, page in ACCESS_MATRIX.items() if page.method == "post"]


@pytest.fixture
def world(db):
    from types import SimpleNamespace

    return SimpleNamespace(**build_world())


@pytest.mark.parametrize("name", WRITES)
def test_writes_are_post_only(client, world, name):
    client.force_login(world.mon_s01)
    url = reverse(name, kwargs=ACCESS_MATRIX[name].kwargs(world))
    assert client.get(url).status_code == 405


def test_a_query_is_reached_only_through_its_own_form(client, world):
    """S01's query addressed through S02's form does not exist, even for the study."""
    url = reverse(
        "ecrf:query_close",
        kwargs={
            "subject_id": world.pat_s02.subject_id,
            "form_code": "folfox_cycle",
            "pk": world.folfox_s02.pk,
            "query_pk": world.query_s01.pk,
        },
    )
    client.force_login(world.datamanager)
    assert client.post(url, {"note": "x"}).status_code == 404
    assert Query.objects.get(pk=world.query_s01.pk).status == "open"


def test_list_shows_only_the_users_sites(client, world):
    services.raise_query(
        crf=world.folfox_s02, field_name="", text="S02 question", acting_user=world.mon_s02
    )
    url = reverse("ecrf:query_list")
    for persona, expected in (("inv_s01", 1), ("mon_s02", 1), ("datamanager", 2), ("dm_s01", 1)):
        client.force_login(getattr(world, persona))
        rows = client.get(url).context["rows"]
        assert len(rows) == expected, persona
        if persona == "mon_s02":
            assert rows[0].query.text == "S02 question"
