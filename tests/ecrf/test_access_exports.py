"""Access expectations for the export pages (see tests/access_matrix.py).

Exporting is a data manager's (and an administrator's) right: everyone else is refused, site
staff and monitors alike, whatever their site.
"""

from tests.access_matrix import Page

EXPORTERS = {"dm_s01": 200, "datamanager": 200, "admin_user": 200}

ACCESS_MATRIX = {
    "ecrf:export_dataset": Page(expect=EXPORTERS, default=403),
}
