"""Admin for sites, accounts and memberships; patients are listed scoped to the user.

The allocation list is shown to study-wide data managers and superusers only.
"""

from functools import cache

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, JSON, XLSX
from simple_history.admin import SimpleHistoryAdmin

from . import access, randomization
from .access import Action
from .accesslog import log_access
from .history import ADMIN_CHANGED_PREFIX, record_save, shown_reason
from .models import (
    AccessAction,
    AccessLog,
    AllocationEntry,
    AllocationList,
    AllocationStratum,
    DataManagerAlert,
    Membership,
    Patient,
    Randomization,
    RandomizationCorrection,
    Site,
)


class AuditedAdmin(SimpleHistoryAdmin):
    """Admin of trial data: history is read within the user's scope, never edited.

    simple-history's history views fetch the object without get_queryset, so they check it
    here; its version page saves the old version on POST even when reverting is disabled,
    so it answers GET only. Changes made here name the admin and the fields changed.
    """

    def _require_in_scope(self, request, object_id):
        try:
            visible = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            visible = False
        if not visible:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._require_in_scope(request, object_id)
        if not hasattr(self.model._meta, "simple_history_manager_attribute"):
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)

    def render_history_view(self, request, template, context, **kwargs):
        # Reasons the system recorded read in the user's language, as on the audit pages;
        # the rows are only shown, never saved.
        for record in getattr(context.get("page_obj"), "object_list", ()):
            record.history_change_reason = shown_reason(record.history_change_reason or "")
        return super().render_history_view(request, template, context, **kwargs)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        self._require_in_scope(request, object_id)
        if not hasattr(self.model._meta, "simple_history_manager_attribute"):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        changed = ", ".join(form.changed_data) if change else ""
        reason = f"{ADMIN_CHANGED_PREFIX}{changed}" if changed else "Added in the admin"
        record_save(obj, acting_user=request.user, reason=reason)


class ListResource(resources.ModelResource):
    """A row as the admin list shows it: related records by name, coded values as the stored
    codes or, in the labels resource, as their labels."""

    labels = False

    def filter_export(self, queryset, **kwargs):
        related = [f.name for f in self._meta.model._meta.concrete_fields if f.is_relation]
        return queryset.select_related(*related)

    def export_field(self, field, instance, **kwargs):
        try:
            model_field = self._meta.model._meta.get_field(field.column_name)
        except FieldDoesNotExist:
            return super().export_field(field, instance, **kwargs)
        if model_field.is_relation:
            related = getattr(instance, model_field.name)
            return "" if related is None else str(related)
        value = getattr(instance, model_field.attname)
        if self.labels and isinstance(model_field, models.BooleanField) and value is not None:
            return force_str(_("Yes") if value else _("No"))
        if self.labels and model_field.choices:
            return force_str(getattr(instance, f"get_{model_field.name}_display")())
        return super().export_field(field, instance, **kwargs)


@cache
def list_resources(model) -> list[type[ListResource]]:
    """The two exports of a list: stored codes, or labels."""

    def resource(labels: bool, name) -> type[ListResource]:
        meta = type("Meta", (), {"model": model, "name": name})
        kind = "Labels" if labels else "Codes"
        return type(
            f"{model.__name__}{kind}Resource", (ListResource,), {"Meta": meta, "labels": labels}
        )

    things = model._meta.verbose_name_plural
    return [
        resource(False, format_lazy(_("{things}: stored codes"), things=things)),
        resource(True, format_lazy(_("{things}: labels"), things=things)),
    ]


class ListExport(ExportMixin):
    """Export of the filtered admin list as CSV, Excel or JSON; import stays off.

    The rows are the change list's, so they come from get_queryset (the user's sites) with the
    list's filters and search, narrowed again to the sites where the user may export. Every
    export is written to the access log.
    """

    export_formats = [CSV, XLSX, JSON]
    site_field = "site"

    def has_export_permission(self, request):
        return (
            self.has_view_permission(request)
            and access.sites_for(request.user, action=Action.EXPORT).exists()
        )

    def get_export_resource_classes(self, request):
        return list_resources(self.model)

    def get_export_queryset(self, request):
        queryset = super().get_export_queryset(request)
        if self.site_field is None:
            return queryset if access.can(request.user, Action.EXPORT) else queryset.none()
        return access.scope(
            queryset, request.user, site_field=self.site_field, action=Action.EXPORT
        )

    def get_valid_export_item_pks(self, request):
        return self.get_export_queryset(request).values_list("pk", flat=True)

    def export_action(self, request):
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            # The change list's own answer to a filter it cannot apply.
            opts = self.model._meta
            changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            return HttpResponseRedirect(f"{changelist}?e=1")

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        resource = self.choose_export_resource_class(kwargs.get("export_form"), request)
        log_access(
            action=AccessAction.EXPORT,
            request=request,
            detail=(
                f"Admin list export of {self.model._meta.verbose_name_plural}: "
                f"{queryset.count()} rows, {file_format.get_title()}, "
                f"{'labels' if resource.labels else 'stored codes'}."
            ),
        )
        return data


class ScopedAdmin(ListExport, AuditedAdmin):
    """Admin whose every list, page and history view is limited to the user's sites.

    Trial data is never deleted or changed through the admin; corrections go through
    the eCRF's services so they carry a reason.
    """

    site_field = "site"
    scope_action = Action.VIEW

    def get_queryset(self, request):
        return access.scope(
            super().get_queryset(request),
            request.user,
            site_field=self.site_field,
            action=self.scope_action,
        )

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return access.sites_for(request.user, action=self.scope_action).exists()
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Patient)
class PatientAdmin(ScopedAdmin):
    list_display = ("subject_id", "site", "status", "sex", "birth_year", "consent_date")
    list_filter = (("site", admin.RelatedOnlyFieldListFilter), "status", "sex")
    list_select_related = ("site",)
    search_fields = ("subject_id", "screening_number")
    date_hierarchy = "consent_date"
    readonly_fields = ("subject_id", "status", "created_at", "created_by")


class AdministratorOnly(AuditedAdmin):
    """Sites and memberships are managed by administrators only; nothing is deleted."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_add_permission = has_module_permission
    has_change_permission = has_view_permission

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Site)
class SiteAdmin(AdministratorOnly):
    list_display = ("code", "name", "country", "time_zone", "active")
    list_filter = ("active", "country")
    search_fields = ("code", "name")


@admin.register(Membership)
class MembershipAdmin(AdministratorOnly):
    list_display = ("user", "site", "role", "active")
    list_filter = ("role", "site", "active")
    search_fields = ("user__username",)
    autocomplete_fields = ("user",)


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class TrialUserAdmin(UserAdmin):
    """Accounts are deactivated, never deleted, so the audit trail keeps its names."""

    actions = ["deactivate"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_change_permission = has_view_permission
    has_add_permission = has_module_permission

    def has_delete_permission(self, request, obj=None):
        return False

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, unquote(id))
            log_access(
                action=AccessAction.PASSWORD_CHANGE,
                request=request,
                detail=f"Password of {user.get_username()} set by an administrator.",
            )
        return response

    @admin.action(description=_("Deactivate selected accounts"))
    def deactivate(self, request, queryset):
        for user in queryset:
            user.is_active = False
            user.save(update_fields=["is_active"])


# Randomization -----------------------------------------------------------------------------


class AllocationAdmin(ListExport, AuditedAdmin):
    """The concealed list: study-wide data managers and superusers only; nothing editable."""

    site_field = "site"

    def _allowed(self, request):
        return access.can(request.user, Action.ALLOCATION)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.site_field is None:
            return queryset if self._allowed(request) else queryset.none()
        return access.scope(
            queryset, request.user, site_field=self.site_field, action=Action.ALLOCATION
        )

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


@admin.register(Randomization)
class RandomizationAdmin(ScopedAdmin):
    """Read-only everywhere: a randomization is final; errors are recorded as corrections."""

    list_display = (
        "patient",
        "site",
        "arm",
        "stratum",
        "list_position",
        "randomized_at",
        "randomized_by",
    )
    list_filter = (("site", admin.RelatedOnlyFieldListFilter), "arm")
    list_select_related = ("patient", "site", "randomized_by")
    search_fields = ("patient__subject_id",)
    fields = (
        "patient",
        "site",
        "arm",
        "stratum",
        "list_position",
        "randomized_at",
        "randomized_by",
    )
    readonly_fields = fields


@admin.register(RandomizationCorrection)
class RandomizationCorrectionAdmin(ScopedAdmin):
    """Study-wide data managers record randomization errors here, with a reason."""

    site_field = "randomization__site"
    list_display = ("randomization", "kind", "recorded_at", "recorded_by")
    list_filter = ("kind",)
    list_select_related = ("randomization__patient", "recorded_by")
    search_fields = ("randomization__patient__subject_id",)
    fields = ("randomization", "kind", "reason", "recorded_at", "recorded_by")

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else ("recorded_at", "recorded_by")

    def has_add_permission(self, request):
        return access.can(request.user, Action.ALLOCATION)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "randomization":
            kwargs["queryset"] = access.scope(
                Randomization.objects.select_related("patient"), request.user
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        saved = randomization.record_randomization_correction(
            randomization=obj.randomization,
            kind=obj.kind,
            reason=obj.reason,
            acting_user=request.user,
        )
        obj.pk, obj.recorded_at, obj.recorded_by = saved.pk, saved.recorded_at, saved.recorded_by


@admin.register(DataManagerAlert)
class DataManagerAlertAdmin(ScopedAdmin):
    """Alerts for data managers of the alert's site; study-wide ones resolve them."""

    scope_action = Action.LOCK  # held by data managers (and administrators) only
    list_display = ("created_at", "kind", "site", "stratum", "patient", "resolved_at")
    list_filter = (
        "kind",
        ("site", admin.RelatedOnlyFieldListFilter),
        ("resolved_at", admin.EmptyFieldListFilter),
    )
    list_select_related = ("site", "patient")
    fields = (
        "kind",
        "site",
        "stratum",
        "patient",
        "message",
        "created_at",
        "resolved_at",
        "resolved_by",
        "resolution",
    )

    def get_readonly_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return [f for f in self.fields if f != "resolution"]
        return self.fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "resolution" in form.base_fields:
            form.base_fields["resolution"].required = True
        return form

    def has_change_permission(self, request, obj=None):
        return (
            obj is not None
            and obj.resolved_at is None
            and access.can(request.user, Action.ALLOCATION)
            and self.get_queryset(request).filter(pk=obj.pk).exists()
        )

    def save_model(self, request, obj, form, change):
        randomization.resolve_alert(
            alert=obj, acting_user=request.user, reason=form.cleaned_data["resolution"]
        )


@admin.register(AccessLog)
class AccessLogAdmin(ListExport, admin.ModelAdmin):
    """The access log, for study-wide auditors (data managers, administrators); read-only."""

    list_display = ("at", "action", "username", "ip_address", "site", "detail")
    list_filter = ("action", ("site", admin.RelatedOnlyFieldListFilter))
    search_fields = ("username", "detail")
    date_hierarchy = "at"

    def _allowed(self, request):
        return access.can(request.user, Action.AUDIT, None)

    def get_queryset(self, request):
        return access.scope(super().get_queryset(request), request.user, action=Action.AUDIT)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.site_header = _("NCT05797077 eCRF administration")
admin.site.site_title = _("NCT05797077 eCRF")
