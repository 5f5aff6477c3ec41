"""Access expectations for the data-entry pages (see tests/access_matrix.py).

The world's patients are randomized, each with a draft FOLFOX cycle 1. Readers of S01 read
its pages; only its investigators and coordinators open new forms or the live preview;
monitors source-verify (the draft cannot be verified yet, so the step is refused politely).
"""

from tests.access_matrix import PERSONAS, Page

EVERYONE = dict.fromkeys(PERSONAS, 200)
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
S01_VERIFY = {
    "inv_s01": 403,
    "coord_s01": 403,
    "mon_s01": 302,
    "dm_s01": 403,
    "datamanager": 403,
    "admin_user": 403,
}


def s01(w):
    return {"subject_id": w.pat_s01.subject_id}


def s01_form(code):
    return lambda w: {"subject_id": w.pat_s01.subject_id, "form_code": code}


def s01_cycle(w):
    return {
        "subject_id": w.pat_s01.subject_id,
        "form_code": "folfox_cycle",
        "pk": w.folfox_s01.pk,
    }


ACCESS_MATRIX = {
    "ecrf:patient_list": Page(expect=EVERYONE),
    "ecrf:casebook": Page(kwargs=s01, expect=S01_READERS),
    "ecrf:form_list": Page(kwargs=s01_form("adverse_event"), expect=S01_READERS),
    "ecrf:form_new": Page(kwargs=s01_form("adverse_event"), expect=S01_ENTRY),
    "ecrf:form_edit": Page(kwargs=s01_cycle, expect=S01_READERS),
    "ecrf:derived_preview": Page(
        kwargs=s01_form("folfox_cycle"),
        expect=S01_ENTRY,
        method="post",
        data=lambda w: {"weight": "70", "dose_level": "0"},
    ),
    "ecrf:form_transition": Page(
        kwargs=s01_cycle,
        expect=S01_VERIFY,
        method="post",
        data=lambda w: {"step": "verify", "version": w.folfox_s01.version},
    ),
    "ecrf:casebook_sign": Page(
        kwargs=s01,
        expect={**S01_ENTRY, "inv_s01": 302, "coord_s01": 403},
        method="post",
    ),
    "ecrf:ctcae_search": Page(expect=EVERYONE),
    "ecrf:ctcae_grades": Page(expect=EVERYONE),
}
