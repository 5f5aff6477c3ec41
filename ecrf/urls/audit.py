from django.urls import path

from ..views import audit

urlpatterns = [
    path("patients/<str:subject_id>/audit/", audit.audit_patient, name="audit_patient"),
    path(
        "patients/<str:subject_id>/forms/<str:form_code>/<int:pk>/history/",
        audit.audit_form,
        name="audit_form",
    ),
    path("audit/export/", audit.audit_export, name="audit_export"),
]
