"""The form page as the user sees it: the form with the buttons the workflow table offers,
the edit-check findings and data queries beside it, the workflow steps open to the user,
and why a form is read-only. The requests that change the form are in entry_forms."""

from dataclasses import dataclass

from django.forms import Form
from django.shortcuts import render
from django.utils.translation import gettext as _

from trial import access
from trial.access import Action

from .. import derivations, patient_state, selectors, services, signatures, workflow
from ..forms import ReasonForChangeForm, SignForm, UnlockForm, WithdrawForm, heading
from ..forms.queries import RaiseQueryForm, explain_form, query_action_form
from ..models import CapecitabineCycle, FolfoxCycle
from ..models.workflow import FindingStatus, QueryStatus
from ..workflow import Refusal

FORM_TEMPLATE = "ecrf/entry/form.html"
# What the user types to take a workflow step, by step; the others are one button.
STEP_FORMS = {"sign": SignForm, "unlock": UnlockForm, "withdraw": WithdrawForm}


def derived_values(form, patient) -> dict:
    """The derived items for what is in the form now, by the functions the save uses."""
    model = form.crf_model
    if not model.DERIVED:
        return {}
    if not hasattr(form, "cleaned_data"):
        form.is_valid()
    crf = model(patient=patient, site=patient.site)
    for name in form.fields:
        if name in form.cleaned_data:
            setattr(crf, model._meta.get_field(name).attname, form.cleaned_data[name])
    height = None
    if model in (FolfoxCycle, CapecitabineCycle):
        height = patient_state.facts_for(patient).height_cm
        form.derived_note = (
            ""
            if height
            else _(
                "No height is recorded on the height and weight form yet: body surface area "
                "and doses cannot be calculated."
            )
        )
    derivations.derive(crf, height_cm=height)
    return {name: getattr(crf, model._meta.get_field(name).attname) for name in model.DERIVED}


def findings_panel(user, crf, *, finding_forms=None) -> dict:
    """Open findings (with an explanation box for data entry staff) and explained ones."""
    findings = selectors.form_findings(user, crf)
    may_explain = access.can(user, Action.ENTER, crf.site_id) and not crf.entered_in_error
    bound = finding_forms or {}
    open_ones = [f for f in findings if f.status == FindingStatus.OPEN]
    for finding in open_ones:
        finding.explain_form = (
            (bound.get(finding.pk) or explain_form(pk=finding.pk)) if may_explain else None
        )
    return {
        "findings": open_ones,
        "explained_findings": [f for f in findings if f.status == FindingStatus.EXPLAINED],
    }


def queries_panel(user, crf, form, *, raise_form=None, query_forms=None) -> dict:
    """The form's queries with the steps this user may take on each, and the raise form."""
    site = crf.site_id
    may_query = access.can(user, Action.QUERY, site)
    may_answer = access.can(user, Action.ANSWER, site)
    refusal = services.query_refusal(crf)
    bound = query_forms or {}
    queries = selectors.form_queries(user, crf)
    for query in queries:
        query.item_label = form.item_label(query.field_name) if query.field_name else ""
        kinds = []
        if query.status == QueryStatus.OPEN and may_answer:
            kinds.append("answer")
        if query.status != QueryStatus.CLOSED and may_query:
            kinds.append("close")
        if query.status != QueryStatus.OPEN and may_query and not refusal:
            kinds.append("reopen")
        query.step_forms = {
            kind: bound.get((query.pk, kind)) or query_action_form(kind, pk=query.pk)
            for kind in kinds
        }
    form.show_queries([q for q in queries if q.status != QueryStatus.CLOSED])
    if may_query and not refusal and raise_form is None:
        raise_form = RaiseQueryForm(crf_model=type(crf))
    return {
        "queries": [q for q in queries if q.status != QueryStatus.CLOSED],
        "closed_queries": [q for q in queries if q.status == QueryStatus.CLOSED],
        "raise_form": raise_form if may_query and not refusal else None,
        "query_refusal": refusal if may_query else "",
    }


@dataclass
class StepOffer:
    """A workflow step the page offers, with the small form that asks what it needs."""

    step: workflow.Step
    form: Form | None


def workflow_steps(user, crf, step_forms=None) -> list[StepOffer]:
    """The steps beside the form this user may take on it now, from the workflow table."""
    step_forms = step_forms or {}
    return [
        StepOffer(step, step_forms.get(step.name))
        for step in workflow.steps_open_to(user, crf, among=workflow.TRANSITIONS)
    ]


def entry_steps(user, patient, crf=None) -> list[workflow.Step]:
    """The buttons of the form itself (save draft, mark complete, save changes) this user
    may press now, from the workflow table."""
    return workflow.steps_open_to(user, crf, patient=patient, among=workflow.ENTRY_STEPS)


def may_edit(user, crf) -> bool:
    return bool(entry_steps(user, crf.patient, crf))


def read_only_reason(user, patient, crf=None) -> str:
    why = workflow.entry_refusal(crf, patient=patient)
    if why == Refusal.FORM_WITHDRAWN:
        return str(services.WITHDRAWN_FORM)
    if why == Refusal.PATIENT_WITHDRAWN:
        return str(services.WITHDRAWN_PATIENT)
    if why == Refusal.LOCKED:
        return str(services.FormLocked(crf))
    if not access.can(user, workflow.CHANGE.action, patient.site_id):
        return _(
            "You can read this form; data are entered by the site's investigators and coordinators."
        )
    return ""


def step_forms_for(data=None, *, posted: str = "") -> dict[str, Form]:
    """The small form of each step, the posted step's bound to what was typed."""
    return {
        name: form_class(data if name == posted else None)
        for name, form_class in STEP_FORMS.items()
    }


@dataclass
class SignatureShown:
    """A form's signature as the page shows it (21 CFR Part 11.50): printed name, time
    with the site's zone, meaning, and whether the content still matches."""

    name: str
    stamp: str
    meaning: str
    valid: bool


def signature_shown(crf) -> SignatureShown | None:
    signature = services.current_signature(crf)
    if signature is None:
        return None
    return SignatureShown(
        name=signature.printed_name,
        stamp=signature.signed_at_local,
        meaning=signatures.meaning_text(signature.meaning),
        valid=services.signature_matches(signature, crf),
    )


# The page ---------------------------------------------------------------------------------


def render_form_page(request, *, patient, model, form, crf=None, visit=None, **extra):
    buttons = entry_steps(request.user, patient, crf)
    reason_form = extra.pop("reason_form", None)
    if reason_form is None and any(step.needs_reason for step in buttons):
        reason_form = ReasonForChangeForm()
    panels = {"findings": [], "queries": []}
    if crf is not None and crf.pk is not None:
        panels |= findings_panel(request.user, crf, finding_forms=extra.pop("finding_forms", None))
        panels |= queries_panel(
            request.user,
            crf,
            form,
            raise_form=extra.pop("raise_form", None),
            query_forms=extra.pop("query_forms", None),
        )
    form.show_findings(panels["findings"])
    if not form.derived:
        form.derived = derived_values(form, patient) if form.is_bound else {}
    step_forms = extra.pop("step_forms", None) or step_forms_for()
    context = {
        "patient": patient,
        "model": model,
        "form_code": model.FORM_CODE,
        "form_title": heading(model._meta.verbose_name),
        "form": form,
        "crf": crf,
        "visit": visit if visit is not None else getattr(crf, "visit", None),
        "editable": bool(buttons) and not form.read_only,
        "entry_steps": buttons,
        "read_only_reason": read_only_reason(request.user, patient, crf),
        "reason_form": reason_form if buttons else None,
        **panels,
        "steps": workflow_steps(request.user, crf, step_forms) if crf else [],
        "signature": signature_shown(crf) if crf is not None else None,
        **{f"{name}_form": step_form for name, step_form in step_forms.items()},
        "version": extra.pop("version", crf.version if crf else ""),
        **extra,
    }
    return render(request, FORM_TEMPLATE, context)
