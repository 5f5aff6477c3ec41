from django.urls import path

from ..views import enrolment as views

urlpatterns = [
    path("patients/new/", views.register_patient, name="register_patient"),
    path("patients/<str:subject_id>/randomize/", views.randomize, name="randomize"),
    path(
        "patients/<str:subject_id>/screen-failure/",
        views.screen_failure,
        name="screen_failure",
    ),
    path(
        "patients/<str:subject_id>/entered-in-error/",
        views.withdraw_patient,
        name="withdraw_patient",
    ),
]
