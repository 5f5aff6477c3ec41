"""Signing a patient's whole casebook: one password, one meaning, one time, a signature
record for each form that waits for one."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trial import access

from .. import selectors, workflow
from ..models import Crf, FormStatus, Query
from ..models.workflow import QueryStatus
from .errors import TransitionRefused
from .signatures import check_signing_password
from .transitions import _sign


def casebook_forms(patient) -> list[Crf]:
    """Every form of the patient the study counts, in the casebook's order of forms."""
    return [crf for instances in selectors.live_forms(patient).values() for crf in instances]


def casebook_refusal(patient, forms: list[Crf]) -> str:
    """Why the casebook cannot be signed now; empty when it can (one query, however many
    forms)."""
    open_queries = Query.objects.filter(patient=patient, status=QueryStatus.OPEN).count()
    drafts = [crf for crf in forms if crf.status == FormStatus.DRAFT]
    if drafts:
        return ngettext(
            "%(n)d form is still a draft: complete it before signing the casebook.",
            "%(n)d forms are still drafts: complete them before signing the casebook.",
            len(drafts),
        ) % {"n": len(drafts)}
    if open_queries:
        return ngettext(
            "%(n)d query is open: answer it before signing the casebook.",
            "%(n)d queries are open: answer them before signing the casebook.",
            open_queries,
        ) % {"n": open_queries}
    if not [c for c in forms if workflow.refusal_for(workflow.SIGN, c, patient=patient) is None]:
        return _("No form of this casebook waits for a signature.")
    return ""


def sign_casebook(*, patient, acting_user, password: str, request=None) -> list[Crf]:
    """Sign every complete or source-verified form of the patient not signed yet, with one
    password entry; refused while a form is a draft or a query is open."""
    access.require(acting_user, workflow.SIGN.action, patient.site_id)
    why = casebook_refusal(patient, casebook_forms(patient))
    if why:
        raise TransitionRefused(why)
    check_signing_password(
        acting_user,
        password,
        what=f"{patient.subject_id} casebook",
        site=patient.site,
        request=request,
    )
    return _sign_all(patient, acting_user=acting_user, request=request)


@transaction.atomic
def _sign_all(patient, *, acting_user, request) -> list[Crf]:
    forms = casebook_forms(patient)
    # Read again inside the transaction: a form drafted or queried since is refused.
    why = casebook_refusal(patient, forms)
    if why:
        raise TransitionRefused(why)
    at = timezone.now()
    return [
        _sign(crf, acting_user=acting_user, loaded_version=crf.version, request=request, at=at)
        for crf in forms
        if workflow.refusal_for(workflow.SIGN, crf) is None
    ]
