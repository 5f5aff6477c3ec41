"""Access expectations for the audit trail pages (see tests/access_matrix.py).

Reading the trail is trial.access Action.AUDIT: investigators, coordinators, monitors and
data managers of the patient's site, study-wide data managers and administrators. Staff of
another site get 404. The export without a patient or site is the trail of the user's own
sites, so everyone with the right somewhere gets it.
"""

import pytest
from django.urls import reverse

from tests.access_matrix import PERSONAS, Page

S01_READERS = {
    "inv_s01": 200,
    "coord_s01": 200,
    "mon_s01": 200,
    "dm_s01": 200,
    "datamanager": 200,
    "admin_user": 200,
}
EVERYONE = dict.fromkeys(PERSONAS, 200)

ACCESS_MATRIX = {
    "ecrf:audit_patient": Page(
        kwargs=lambda w: {"subject_id": w.pat_s01.subject_id}, expect=S01_READERS
    ),
    "ecrf:audit_form": Page(
        kwargs=lambda w: {
            "subject_id": w.pat_s01.subject_id,
            "form_code": w.folfox_s01.FORM_CODE,
            "pk": w.folfox_s01.pk,
        },
        expect=S01_READERS,
    ),
    "ecrf:audit_export": Page(expect=EVERYONE),
}


# The export's query parameters, which the matrix's URL kwargs cannot express.
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("param", ["patient", "site"])
def test_export_of_s01_is_for_s01_readers(client, request, s01, pat_s01, personas, persona, param):
    users = {**personas, "admin_user": request.getfixturevalue("admin_user")}
    client.force_login(users[persona])
    value = pat_s01.subject_id if param == "patient" else s01.code
    response = client.get(reverse("ecrf:audit_export"), {param: value})
    assert response.status_code == S01_READERS.get(persona, 404)
