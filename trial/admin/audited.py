"""The base of the admin of trial data: history read within the user's scope and never
edited, and every change made in the admin saved with who made it and which fields changed."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from ..history import ADMIN_CHANGED_PREFIX, record_save, shown_reason


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
