from django.urls import path

from ..views import exports as views

urlpatterns = [
    path("exports/dataset/", views.export_dataset, name="export_dataset"),
]
