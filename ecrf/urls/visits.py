from django.urls import path

from ..views import entry_visits
from . import converters  # noqa: F401  (registers <subject:> and <id:>)

urlpatterns = [
    path(
        "patients/<subject:subject_id>/visits/unscheduled/",
        entry_visits.unscheduled_visit,
        name="unscheduled_visit",
    ),
]
