"""One page per CRF instance: enter, save as draft, mark complete, change with a reason,
meet a conflict, and take the workflow steps (verify, sign, lock, unlock, withdraw). What
the page shows is put together in entry_form_page."""

import copy
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trial import access
from trial.access import Action

from .. import services, workflow
from ..forms import ReasonForChangeForm, crf_form_class, display_value, heading
from ..models import FORMS_BY_CODE, Visit
from .entry_form_page import (
    derived_values,
    entry_steps,
    may_edit,
    render_form_page,
    step_forms_for,
)
from .signing import end_session_for_lockout

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


# Pages ----------------------------------------------------------------------------------


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
    except services.SigningLocked as locked:
        if locked.ended_session:
            return end_session_for_lockout(request, locked)
        messages.error(request, str(locked))
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
