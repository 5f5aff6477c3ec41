"""Access expectations for the trial's own pages (see tests/access_matrix.py)."""

from tests.access_matrix import PERSONAS, Page

# Home sends everybody to the patient list (ecrf:patient_list, in tests/ecrf).
ACCESS_MATRIX = {
    "home": Page(expect=dict.fromkeys(PERSONAS, 302)),
}
