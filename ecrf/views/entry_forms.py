"""One page per CRF instance: enter, save as draft, mark complete, change with a reason,
meet a conflict, and take the workflow steps (verify, sign, lock, unlock)."""

import copy
import re
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.forms import Form
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trial import access
from trial.access import Action

from .. import derivations, patient_state, selectors, services, workflow
from ..forms import (
    ReasonForChangeForm,
    SignForm,
    UnlockForm,
    WithdrawForm,
    crf_form_class,
    display_value,
    heading,
)
from ..forms.queries import RaiseQueryForm, explain_form, query_action_form
from ..models import FORMS_BY_CODE, CapecitabineCycle, FolfoxCycle, Visit
from ..models.workflow import FindingStatus, QueryStatus
from ..workflow import Refusal

FORM_TEMPLATE = "ecrf/entry/form.html"
# What the user types to take a workflow step, by step; the others are one button.
STEP_FORMS = {"sign": SignForm, "unlock": UnlockForm, "withdraw": WithdrawForm}
CYCLE_VISIT = re.compile(r"^[CM](\d{2})$")


# Reads ----------------------------------------------------------------------------------


def crf_model(form_code: str):
    try:
        return FORMS_BY_CODE[form_code]
    except KeyError as exc:
        raise Http404(_("There is no such form.")) from exc


def get_crf(user, patient, model, pk):
    queryset = model.objects.filter(patient=patient).select_related(
        "patient__site", "visit", "updated_by", "locked_by", "verified_by", "signed_by"
    )
    return access.get_for(user, queryset, pk=pk)


def visit_from(request, patient) -> Visit | None:
    raw = request.POST.get("visit") or request.GET.get("visit")
    if not raw:
        return None
    if not str(raw).isdigit():
        raise Http404(_("There is no such visit."))
    return access.get_for(request.user, Visit.objects.filter(patient=patient), pk=int(raw))


def crf_url(crf) -> str:
    return reverse(
        "ecrf:form_edit",
        kwargs={"subject_id": crf.patient.subject_id, "form_code": crf.FORM_CODE, "pk": crf.pk},
    )


def loaded_version(request) -> int:
    """The version the user's page was built on; anything unreadable is a conflict."""
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else -1


def completing(request) -> bool:
    return request.POST.get("submit") == "complete"


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


# Pages ----------------------------------------------------------------------------------


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
        **{f"{name}_form": step_form for name, step_form in step_forms.items()},
        "version": extra.pop("version", crf.version if crf else ""),
        **extra,
    }
    return render(request, FORM_TEMPLATE, context)


def initial_values(model, visit) -> dict:
    """Values the page can propose: the cycle number of a cycle visit."""
    if visit is not None and hasattr(model, "cycle"):
        match = CYCLE_VISIT.match(visit.code)
        if match:
            return {"cycle": int(match.group(1))}
    return {}


@login_required
def form_new(request, subject_id, form_code):
    model = crf_model(form_code)
    patient = access.get_patient_for(request.user, subject_id=subject_id, action=Action.ENTER)
    visit = visit_from(request, patient)
    form_class = crf_form_class(model)
    if request.method != "POST":
        form = form_class(
            patient=patient,
            initial=initial_values(model, visit),
            read_only=not entry_steps(request.user, patient),
        )
        return render_form_page(request, patient=patient, model=model, form=form, visit=visit)
    form = form_class(request.POST, patient=patient)
    if form.is_valid():
        try:
            crf = services.crf_create(
                model=model,
                patient=patient,
                visit=visit,
                data=form.item_data(),
                acting_user=request.user,
                complete=completing(request),
            )
        except services.InvalidData as refused:
            form.add_service_errors(refused.errors)
        except IntegrityError:
            form.add_error(None, _("This form duplicates one already recorded for the patient."))
        else:
            messages.success(request, saved_message(crf, completed=completing(request)))
            return redirect(crf_url(crf))
    return render_form_page(request, patient=patient, model=model, form=form, visit=visit)


def saved_message(crf, *, completed: bool) -> str:
    if completed:
        return _("%(form)s marked complete.") % {"form": heading(crf._meta.verbose_name)}
    if crf.is_done:
        return _("%(form)s saved.") % {"form": heading(crf._meta.verbose_name)}
    return _("%(form)s saved as a draft.") % {"form": heading(crf._meta.verbose_name)}


@login_required
def form_edit(request, subject_id, form_code, pk):
    model = crf_model(form_code)
    patient = access.get_patient_for(request.user, subject_id=subject_id)
    crf = get_crf(request.user, patient, model, pk)
    form_class = crf_form_class(model)
    if request.method != "POST":
        form = form_class(instance=crf, patient=patient, read_only=not may_edit(request.user, crf))
        return render_form_page(request, patient=patient, model=model, form=form, crf=crf)
    access.require(request.user, Action.ENTER, patient.site_id)
    if crf.entered_in_error:
        raise PermissionDenied
    version = loaded_version(request)
    form = form_class(request.POST, instance=copy.copy(crf), patient=patient)
    reason_form = ReasonForChangeForm(request.POST)
    if form.is_valid() and reason_form.is_valid():
        try:
            saved = services.crf_save(
                crf=crf,
                data=form.item_data(),
                acting_user=request.user,
                loaded_version=version,
                reason=reason_form.reason_text(),
                complete=completing(request),
            )
        except services.Conflict as conflict:
            return conflict_page(request, patient, model, form, reason_form, conflict.current)
        except services.FormLocked as locked:
            messages.error(request, str(locked))
            return redirect(crf_url(crf))
        except services.InvalidData as refused:
            errors = dict(refused.errors)
            for message in errors.pop("reason", []):
                reason_form.add_error("reason", message)
            form.add_service_errors(errors)
        except IntegrityError:
            form.add_error(None, _("This form duplicates one already recorded for the patient."))
        else:
            messages.success(request, saved_message(saved, completed=completing(request)))
            return redirect(crf_url(saved))
    return render_form_page(
        request,
        patient=patient,
        model=model,
        form=form,
        crf=crf,
        reason_form=reason_form,
        version=version,
    )


def conflict_page(request, patient, model, form, reason_form, current):
    """Their saved values beside the user's; the user's stay in the form, now against the
    current version, so that saving again is a deliberate choice."""
    rows = []
    for name in form.fields:
        field = model._meta.get_field(name)
        theirs = display_value(field, getattr(current, field.attname))
        yours = display_value(field, form.cleaned_data.get(name))
        rows.append(
            {
                "label": field.verbose_name,
                "theirs": theirs,
                "yours": yours,
                "differs": theirs != yours,
            }
        )
    form_class = crf_form_class(model)
    rebound = form_class(request.POST, instance=current, patient=patient)
    rebound.is_valid()
    return render_form_page(
        request,
        patient=patient,
        model=model,
        form=rebound,
        crf=current,
        reason_form=reason_form,
        version=current.version,
        conflict={
            "message": str(services.Conflict(current)),
            "rows": [r for r in rows if r["differs"]] or rows,
        },
    )


@login_required
@require_POST
def form_transition(request, subject_id, form_code, pk):
    """Take one step of workflow.TRANSITIONS on a form (verify, sign, lock, unlock or
    withdraw); one step per request."""
    model = crf_model(form_code)
    patient = access.get_patient_for(request.user, subject_id=subject_id)
    crf = get_crf(request.user, patient, model, pk)
    step = workflow.TRANSITIONS_BY_NAME.get(request.POST.get("step", ""))
    if step is None:
        return HttpResponseBadRequest(_("Unknown step."))
    access.require(request.user, step.action, patient.site_id)
    step_forms = step_forms_for(request.POST, posted=step.name)
    asked = step_forms.get(step.name)
    try:
        if asked is not None and not asked.is_valid():
            raise services.InvalidData({})
        services.take_step(
            step,
            crf=crf,
            acting_user=request.user,
            loaded_version=loaded_version(request),
            request=request,
            **(asked.cleaned_data if asked is not None else {}),
        )
    except services.InvalidData as refused:
        for name, errors in refused.errors.items():
            for message in errors:
                asked.add_error(name if name in asked.fields else None, message)
        fresh = get_crf(request.user, patient, model, pk)
        form = crf_form_class(model)(
            instance=fresh, patient=patient, read_only=not may_edit(request.user, fresh)
        )
        return render_form_page(
            request, patient=patient, model=model, form=form, crf=fresh, step_forms=step_forms
        )
    except (services.Conflict, services.FormLocked, services.TransitionRefused) as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, str(step.done))
    return redirect(crf_url(crf))


@login_required
@require_POST
def derived_preview(request, subject_id, form_code):
    """The derived items for the values being typed, as out-of-band fragments."""
    model = crf_model(form_code)
    patient = access.get_patient_for(request.user, subject_id=subject_id, action=Action.ENTER)
    form = crf_form_class(model)(request.POST, patient=patient)
    form.derived = derived_values(form, patient)
    items = [form.derived_item(name) for name in model.DERIVED]
    return render(
        request,
        "ecrf/entry/_derived_preview.html",
        {"items": items, "note": form.derived_note},
    )
