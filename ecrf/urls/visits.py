from django.urls import path

from ..views import entry_visits

urlpatterns = [
    path(
        "patients/<str:subject_id>/visits/unscheduled/",
        entry_visits.unscheduled_visit,
        name="unscheduled_visit",
    ),
]
