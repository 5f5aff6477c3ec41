"""Access expectations for the unscheduled-visit page (see tests/access_matrix.py)."""

from tests.access_matrix import Page

ACCESS_MATRIX = {
    # Only the site's investigators and coordinators add visits; readers of S01 get 403.
    "ecrf:unscheduled_visit": Page(
        kwargs=lambda w: {"subject_id": w.pat_s01.subject_id},
        expect={
            "inv_s01": 200,
            "coord_s01": 200,
            "mon_s01": 403,
            "dm_s01": 403,
            "datamanager": 403,
            "admin_user": 403,
        },
    ),
}
