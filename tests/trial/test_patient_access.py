"""An S01 user never sees an S02 patient: not in lists, pages, search or the admin."""

import pytest
from django.urls import reverse

from trial import access


def test_investigator_lists_only_own_site_patients(client, inv_s01, pat_s01, pat_s02):
    client.force_login(inv_s01)
    page = client.get(reverse("ecrf:patient_list")).content.decode()
    assert pat_s01.subject_id in page
    assert pat_s02.subject_id not in page


def test_search_does_not_reveal_other_site(client, inv_s01, pat_s01, pat_s02):
    client.force_login(inv_s01)
    response = client.get(reverse("ecrf:patient_list"), {"q": pat_s02.subject_id})
    assert list(response.context["patients"]) == []
    assert "No patients" in response.content.decode()


def test_other_site_patient_page_is_404(client, inv_s01, pat_s02):
    client.force_login(inv_s01)
    response = client.get(reverse("ecrf:casebook", args=[pat_s02.subject_id]))
    assert response.status_code == 404
    assert pat_s02.subject_id not in response.content.decode()


def test_own_site_patient_page_opens(client, mon_s01, pat_s01):
    client.force_login(mon_s01)
    response = client.get(reverse("ecrf:casebook", args=[pat_s01.subject_id]))
    assert response.status_code == 200
    assert pat_s01.subject_id in response.content.decode()


def test_study_wide_data_manager_sees_both_sites(client, datamanager, pat_s01, pat_s02):
    client.force_login(datamanager)
    page = client.get(reverse("ecrf:patient_list")).content.decode()
    assert pat_s01.subject_id in page and pat_s02.subject_id in page


def test_anonymous_is_sent_to_login(client, pat_s01):
    response = client.get(reverse("ecrf:casebook", args=[pat_s01.subject_id]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_deactivated_membership_sees_nothing(client, inv_s01, pat_s01):
    membership = inv_s01.memberships.get()
    membership.active = False
    membership.save()
    client.force_login(inv_s01)
    assert client.get(reverse("ecrf:casebook", args=[pat_s01.subject_id])).status_code == 404


class TestAdmin:
    def test_site_scoped_data_manager_admin_list_hides_other_site(
        self, client, dm_s01, pat_s01, pat_s02
    ):
        client.force_login(dm_s01)
        page = client.get(reverse("admin:trial_patient_changelist")).content.decode()
        assert pat_s01.subject_id in page
        assert pat_s02.subject_id not in page

    def test_admin_search_hides_other_site(self, client, dm_s01, pat_s01, pat_s02):
        client.force_login(dm_s01)
        url = reverse("admin:trial_patient_changelist")
        response = client.get(url, {"q": pat_s02.subject_id})
        assert list(response.context["cl"].result_list) == []
        assert response.context["cl"].full_result_count == 1  # only pat_s01 exists for dm_s01

    @pytest.mark.parametrize("view", ["change", "history"])
    def test_admin_object_pages_of_other_site_are_refused(self, client, dm_s01, pat_s02, view):
        client.force_login(dm_s01)
        response = client.get(reverse(f"admin:trial_patient_{view}", args=[pat_s02.pk]))
        assert response.status_code in (302, 403, 404)
        assert pat_s02.subject_id not in response.content.decode()

    def test_admin_history_of_own_site_opens(self, client, dm_s01, pat_s01):
        client.force_login(dm_s01)
        response = client.get(reverse("admin:trial_patient_history", args=[pat_s01.pk]))
        assert response.status_code == 200
        assert "Patient registered" in response.content.decode()


class TestRules:
    def test_monitor_may_view_but_not_enter(self, mon_s01, s01):
        assert access.can(mon_s01, "view", s01)
        assert not access.can(mon_s01, "enter", s01)

    def test_coordinator_may_enter_but_not_sign(self, coord_s01, s01):
        assert access.can(coord_s01, "enter", s01)
        assert not access.can(coord_s01, "sign", s01)

    def test_investigator_has_no_rights_at_other_site(self, inv_s01, s02):
        assert access.actions_at(inv_s01, s02.pk) == frozenset()

    def test_only_study_wide_data_manager_reads_allocation(self, datamanager, dm_s01, s01):
        assert access.can(datamanager, "allocation", s01)
        assert not access.can(dm_s01, "allocation", s01)

    def test_get_patient_for_forbids_visible_but_not_allowed(self, mon_s01, pat_s01):
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            access.get_patient_for(mon_s01, pat_s01.pk, action="enter")
