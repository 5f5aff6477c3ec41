"""Export of any admin list as CSV, Excel or JSON, with stored codes or labels, limited to the
sites where the user may export and written to the access log.

In CSV and Excel, text that a spreadsheet would run as a formula gets a quote before it
(trial.spreadsheets). django-import-export's IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT is not
used: it drops a leading "=" (so "=1+1" and "1+1" export alike), leaves +, -, @, tab and
carriage return alone, and turns every cell, numbers included, into text.
"""

from functools import cache

from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, JSON, XLSX

from .. import access
from ..access import Action
from ..accesslog import export_logged
from ..spreadsheets import neutralised

SPREADSHEET_FORMATS = (CSV, XLSX)


class ListResource(resources.ModelResource):
    """A row as the admin list shows it: related records by name, coded values as the stored
    codes or, in the labels resource, as their labels. For a spreadsheet (spreadsheet=True)
    text is neutralised; numbers, dates and yes/no stay as they are."""

    labels = False

    def __init__(self, *, spreadsheet: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.spreadsheet = spreadsheet

    def filter_export(self, queryset, **kwargs):
        related = [f.name for f in self._meta.model._meta.concrete_fields if f.is_relation]
        return queryset.select_related(*related)

    def export_field(self, field, instance, **kwargs):
        try:
            model_field = self._meta.model._meta.get_field(field.column_name)
        except FieldDoesNotExist:
            return self._text(super().export_field(field, instance, **kwargs))
        if model_field.is_relation:
            related = getattr(instance, model_field.name)
            return "" if related is None else self._text(str(related))
        value = getattr(instance, model_field.attname)
        if self.labels and isinstance(model_field, models.BooleanField) and value is not None:
            return self._text(force_str(_("Yes") if value else _("No")))
        if self.labels and model_field.choices:
            return self._text(force_str(getattr(instance, f"get_{model_field.name}_display")()))
        exported = super().export_field(field, instance, **kwargs)
        return self._text(exported) if isinstance(value, str) else exported

    def _text(self, value):
        if self.spreadsheet and isinstance(value, str):
            return neutralised(value)
        return value


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
        """The file, logged as an export once it is written (as a failed one if it is not)."""
        resource = self.choose_export_resource_class(kwargs.get("export_form"), request)
        detail = (
            f"Admin list export of {self.model._meta.verbose_name_plural}: "
            f"{queryset.count()} rows, {file_format.get_title()}, "
            f"{'labels' if resource.labels else 'stored codes'}."
        )
        spreadsheet = isinstance(file_format, SPREADSHEET_FORMATS)
        with export_logged(request=request, detail=detail):
            return super().get_export_data(
                file_format, request, queryset, spreadsheet=spreadsheet, **kwargs
            )
