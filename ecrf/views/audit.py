"""The audit trail pages: per patient, per form (and field), and the CSV export."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms.utils import flatatt
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trial import access
from trial.access import Action
from trial.accesslog import streamed_export

from .. import audit
from ..models import FORMS_BY_CODE

PER_PAGE = 50
ISO_DATE = "%Y-%m-%d"


class PlainSelect(forms.Select):
    """A select whose options are written here rather than one template each: the item filter
    offers every item of every form, a few hundred options on each page of the trail."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(widget["attrs"]), options
        )


class TrailFilterForm(forms.Form):
    form = forms.ChoiceField(label=gettext_lazy("Form"), required=False)
    field = forms.ChoiceField(label=gettext_lazy("Item"), required=False, widget=PlainSelect)
    user = forms.TypedChoiceField(
        label=gettext_lazy("User"), required=False, coerce=int, empty_value=None
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        input_formats=[ISO_DATE],
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        input_formats=[ISO_DATE],
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
    )

    def __init__(self, *args, form_code=None, users=(), form_changed=False, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        if form_code is None:
            self.fields["form"].choices = everything + audit.form_choices()
            chosen = self.data.get("form", "")
            form_code = chosen if chosen in audit.SOURCES_BY_KEY else ""
        else:
            del self.fields["form"]
        items = audit.field_choices(form_code)
        self.fields["field"].choices = everything + items
        self.fields["user"].choices = everything + [(u.pk, u.get_username()) for u in users]
        if form_changed and self.data.get("field") not in dict(items):
            # Choosing another form offers its items; the item of the old form goes.
            self.data = self.data.copy()
            self.data.pop("field", None)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def trail_filter(self, *, tz) -> audit.TrailFilter:
        """The filters that are valid; an invalid one is shown at its field and ignored."""
        if not self.is_bound:
            return audit.TrailFilter(tz=tz)
        self.is_valid()
        values = self.cleaned_data
        return audit.TrailFilter(
            form=values.get("form") or "",
            field=values.get("field") or "",
            user_id=values.get("user"),
            date_from=values.get("date_from"),
            date_to=values.get("date_to"),
            tz=tz,
        )


def _trail_page(request, *, patient, scope, template, context, form_code=None):
    tz = patient.site.zone
    filter_form = TrailFilterForm(
        request.GET or None,
        form_code=form_code,
        users=audit.trail_users(request.user, scope),
        form_changed=bool(request.htmx),  # the filters' htmx request: the form was changed
    )
    filters = filter_form.trail_filter(tz=tz)
    positions = audit.trail_newest_first(request.user, scope, filters)
    page = Paginator(positions, PER_PAGE).get_page(request.GET.get("page"))
    entries = audit.resolve(request.user, list(page.object_list), tz=tz, field_only=filters.field)
    return render(
        request,
        template,
        {
            "patient": patient,
            "filter_form": filter_form,
            "page": page,
            "entries": entries,
            "time_zone": getattr(tz, "key", "UTC"),
            **context,
        },
    )


@login_required
def audit_patient(request, subject_id):
    patient = access.get_patient_for(request.user, subject_id=subject_id, action=Action.AUDIT)
    return _trail_page(
        request,
        patient=patient,
        scope=audit.TrailScope(patient=patient),
        template="ecrf/audit/patient.html",
        context={},
    )


@login_required
def audit_form(request, subject_id, form_code, pk):
    patient = access.get_patient_for(request.user, subject_id=subject_id, action=Action.AUDIT)
    model = FORMS_BY_CODE.get(form_code)
    if model is None:
        raise Http404(_("No such form."))
    crf = access.get_for(
        request.user,
        model.objects.filter(patient=patient).select_related("visit"),
        action=Action.AUDIT,
        pk=pk,
    )
    return _trail_page(
        request,
        patient=patient,
        scope=audit.TrailScope(patient=patient, crf=crf),
        template="ecrf/audit/form.html",
        context={"crf": crf, "form_label": audit.SOURCES_BY_KEY[form_code].label},
        form_code=form_code,
    )


@login_required
def audit_export(request):
    """The trail of a patient (?patient=), a site (?site=) or the user's study, as CSV."""
    user = request.user
    subject_id = request.GET.get("patient", "").strip()
    site_code = request.GET.get("site", "").strip()
    site = None
    if subject_id:
        patient = access.get_patient_for(user, subject_id=subject_id, action=Action.AUDIT)
        scope, site, name = audit.TrailScope(patient=patient), patient.site, patient.subject_id
        what = _("patient %(subject)s") % {"subject": patient.subject_id}
    elif site_code:
        site = access.visible_sites(user).filter(code=site_code).first()
        if site is None:
            raise Http404(_("No such site."))
        access.require(user, Action.AUDIT, site)
        scope, name = audit.TrailScope(sites=[site.pk]), site.code
        what = _("site %(site)s") % {"site": site.code}
    else:
        sites = list(access.sites_for(user, action=Action.AUDIT).values_list("code", flat=True))
        if not sites:
            raise PermissionDenied
        scope, name = audit.TrailScope(), "study"
        what = _("the study (sites %(sites)s)") % {"sites": ", ".join(sites)}
    # Logged as an export after the last line, as a failed one if the stream breaks off.
    lines = streamed_export(
        audit.export_csv(audit.iter_trail(user, scope)),
        detail=_("Audit trail exported (CSV): %(what)s.") % {"what": what},
        user=user,
        request=request,
        site=site,
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{name}-{stamp}.csv"'
    return response
