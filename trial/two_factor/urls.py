from django.urls import path

from . import views

app_name = "two_factor"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("set-up/", views.enrol, name="enrol"),
    path("code/", views.verify, name="verify"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("remove/", views.remove, name="remove"),
]
