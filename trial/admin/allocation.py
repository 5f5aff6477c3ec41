"""The concealed allocation list (its loads, strata and entries): study-wide data managers
and superusers only, nothing editable; a stratum is extended by an action that asks why."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .. import access, randomization
from ..access import Action
from ..models import AllocationEntry, AllocationList, AllocationStratum
from .audited import AuditedAdmin
from .exports import ListExport
from .read_only import ReadOnlyAdmin


class AllocationAdmin(ReadOnlyAdmin, ListExport, AuditedAdmin):
    """The concealed list: study-wide data managers and superusers only; nothing editable."""

    site_field = "site"

    def allowed(self, request):
        return access.can(request.user, Action.ALLOCATION)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.site_field is None:
            return queryset if self.allowed(request) else queryset.none()
        return access.scope(
            queryset, request.user, site_field=self.site_field, action=Action.ALLOCATION
        )


@admin.register(AllocationList)
class AllocationListAdmin(AllocationAdmin):
    site_field = None
    list_display = (
        "created_at",
        "source",
        "seed",
        "per_stratum",
        "block_sizes",
        "file_name",
        "extends",
        "created_by",
    )
    list_filter = ("source",)


@admin.register(AllocationStratum)
class AllocationStratumAdmin(AllocationAdmin):
    list_display = ("key", "site", "synchronous_metastases", "allocation_list")
    list_filter = ("site", "synchronous_metastases")
    actions = ["extend"]

    @admin.action(description=_("Extend the selected stratum from a new seed"))
    def extend(self, request, queryset):
        """More permuted blocks at the end of one stratum's list (trial.randomization
        .extend_stratum), after a page that asks for the seed, the size and the reason."""
        if queryset.count() != 1:
            self.message_user(request, _("Choose one stratum to extend."), messages.WARNING)
            return None
        stratum = queryset.get()
        form = ExtendStratumForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                extension = randomization.extend_stratum(
                    key=stratum.key, acting_user=request.user, **form.cleaned_data
                )
            except randomization.AllocationListInvalid as refused:
                for error in refused.errors:
                    form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    _("Stratum %(stratum)s extended to position %(last)d.")
                    % {"stratum": stratum.key, "last": stratum.entries.count()},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:trial_allocationlist_change", args=[extension.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Extend stratum %(stratum)s") % {"stratum": stratum.key},
            "opts": self.model._meta,
            "stratum": stratum,
            "entries": stratum.entries.count(),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/trial/allocationstratum/extend.html", context)


class ExtendStratumForm(forms.Form):
    seed = forms.IntegerField(
        label=_("New seed"),
        min_value=0,
        help_text=_("Never used for this stratum before; keep it with the statistician."),
    )
    entries = forms.IntegerField(
        label=_("Entries to add"),
        min_value=1,
        help_text=_("Whole blocks: a multiple of the smallest block size."),
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )


class UsedFilter(admin.SimpleListFilter):
    title = _("used")
    parameter_name = "used"

    def lookups(self, request, model_admin):
        return [("yes", _("Used")), ("no", _("Unused"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(randomization__isnull=self.value() == "no")
        return queryset


@admin.register(AllocationEntry)
class AllocationEntryAdmin(AllocationAdmin):
    site_field = "stratum__site"
    list_display = ("stratum", "position", "arm", "block", "block_size", "used_by", "randomized_at")
    list_filter = (UsedFilter, "stratum__site", "stratum", "arm")
    list_select_related = ("stratum", "randomization__patient")
    search_fields = ("stratum__key", "randomization__patient__subject_id")

    @admin.display(description=_("patient"))
    def used_by(self, entry):
        used = getattr(entry, "randomization", None)
        return used.patient.subject_id if used else ""

    @admin.display(description=_("randomized at"))
    def randomized_at(self, entry):
        used = getattr(entry, "randomization", None)
        return used.randomized_at if used else None
