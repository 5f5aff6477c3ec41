from django.urls import path

from ..views import enrolment as views
from . import converters  # noqa: F401  (registers <subject:> and <id:>)

urlpatterns = [
    path("patients/new/", views.register_patient, name="register_patient"),
    path("patients/<subject:subject_id>/randomize/", views.randomize, name="randomize"),
    path(
        "patients/<subject:subject_id>/screen-failure/",
        views.screen_failure,
        name="screen_failure",
    ),
    path(
        "patients/<subject:subject_id>/entered-in-error/",
        views.withdraw_patient,
        name="withdraw_patient",
    ),
]
