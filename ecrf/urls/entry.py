from django.urls import path

from ..views import (
    entry_casebook,
    entry_ctcae,
    entry_forms,
    entry_patients,
    entry_queries,
    signing,
)
from . import converters  # noqa: F401  (registers <subject:> and <id:>)

FORM = "patients/<subject:subject_id>/forms/<str:form_code>/"
QUERY = FORM + "<id:pk>/queries/<id:query_pk>/"

urlpatterns = [
    path("patients/", entry_patients.patient_list, name="patient_list"),
    path("patients/<subject:subject_id>/", entry_casebook.casebook, name="casebook"),
    path("patients/<subject:subject_id>/sign/", signing.casebook_sign, name="casebook_sign"),
    path(FORM, entry_casebook.form_list, name="form_list"),
    path(FORM + "new/", entry_forms.form_new, name="form_new"),
    path(FORM + "preview/", entry_forms.derived_preview, name="derived_preview"),
    path(FORM + "<id:pk>/", entry_forms.form_edit, name="form_edit"),
    path(FORM + "<id:pk>/transition/", entry_forms.form_transition, name="form_transition"),
    path(FORM + "<id:pk>/queries/", entry_queries.query_raise, name="query_raise"),
    path(QUERY + "answer/", entry_queries.query_step, {"step": "answer"}, name="query_answer"),
    path(QUERY + "close/", entry_queries.query_step, {"step": "close"}, name="query_close"),
    path(QUERY + "reopen/", entry_queries.query_step, {"step": "reopen"}, name="query_reopen"),
    path(
        FORM + "<id:pk>/findings/<id:finding_pk>/explain/",
        entry_queries.finding_explain,
        name="finding_explain",
    ),
    path("queries/", entry_queries.query_list, name="query_list"),
    path("ctcae/search/", entry_ctcae.ctcae_search, name="ctcae_search"),
    path("ctcae/grades/", entry_ctcae.ctcae_grades, name="ctcae_grades"),
]
