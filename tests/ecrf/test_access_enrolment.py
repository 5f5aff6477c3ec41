"""Access expectations for the enrolment pages (see tests/access_matrix.py).

The world's patients are already randomized: the randomize page shows the arm to everyone
who reads S01, and the screen-failure page explains that it no longer applies.
"""

from tests.access_matrix import Page

SITE_STAFF = {"inv_s01": 200, "coord_s01": 200, "inv_s02": 200, "coord_s02": 200}
S01_READERS = {
    "inv_s01": 200,
    "coord_s01": 200,
    "mon_s01": 200,
    "dm_s01": 200,
    "datamanager": 200,
    "admin_user": 200,
}
S01_ENTRY = {
    "inv_s01": 200,
    "coord_s01": 200,
    "mon_s01": 403,
    "dm_s01": 403,
    "datamanager": 403,
    "admin_user": 403,
}

ACCESS_MATRIX = {
    # Anyone who may enter data somewhere registers there; readers of any scope may not.
    "ecrf:register_patient": Page(expect=SITE_STAFF, default=403),
    "ecrf:randomize": Page(
        kwargs=lambda w: {"subject_id": w.pat_s01.subject_id}, expect=S01_READERS
    ),
    "ecrf:screen_failure": Page(
        kwargs=lambda w: {"subject_id": w.pat_s01.subject_id}, expect=S01_ENTRY
    ),
}
ACCESS_MATRIX["ecrf:withdraw_patient"] = Page(
    kwargs=lambda w: {"subject_id": w.pat_s01.subject_id}, expect=S01_ENTRY
)
