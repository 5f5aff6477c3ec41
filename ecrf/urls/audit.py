from django.urls import path

from ..views import audit
from . import converters  # noqa: F401  (registers <subject:> and <id:>)

urlpatterns = [
    path("patients/<subject:subject_id>/audit/", audit.audit_patient, name="audit_patient"),
    path(
        "patients/<subject:subject_id>/forms/<str:form_code>/<id:pk>/history/",
        audit.audit_form,
        name="audit_form",
    ),
    path("audit/export/", audit.audit_export, name="audit_export"),
]
