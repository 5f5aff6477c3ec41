"""The eCRF's pages, one module per area; every view scopes through trial.access."""

from . import audit, enrolment, entry, exports, visits

app_name = "ecrf"
urlpatterns = [
    *entry.urlpatterns,
    *enrolment.urlpatterns,
    *audit.urlpatterns,
    *exports.urlpatterns,
    *visits.urlpatterns,
]
