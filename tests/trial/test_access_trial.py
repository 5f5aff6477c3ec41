"""Access expectations for the trial's own pages (see tests/access_matrix.py)."""

from tests.access_matrix import Page

EVERYONE = {
    p: 200
    for p in (
        "inv_s01",
        "coord_s01",
        "mon_s01",
        "dm_s01",
        "inv_s02",
        "coord_s02",
        "mon_s02",
        "datamanager",
        "admin_user",
    )
}
S01_READERS = {
    "inv_s01": 200,
    "coord_s01": 200,
    "mon_s01": 200,
    "dm_s01": 200,
    "datamanager": 200,
    "admin_user": 200,
}

ACCESS_MATRIX = {
    "home": Page(expect=EVERYONE),
    "patient_detail": Page(
        kwargs=lambda w: {"subject_id": w.pat_s01.subject_id}, expect=S01_READERS
    ),
}
