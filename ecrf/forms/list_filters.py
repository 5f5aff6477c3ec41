"""The filters of the patient list and the queries list.

Both lists filter the same way: the rows are the user's, from trial.access; the site filter
offers the user's sites only; a value that is not valid is shown as an error and not applied;
and the counts per status are taken across every filter but the status.
"""

import django_filters
from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from trial import access
from trial.models import PatientStatus, TreatmentArm

from ..models.workflow import QueryStatus

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def users_sites(request):
    """The site filter's choices: the sites of the user who asks."""
    return access.visible_sites(request.user).order_by("code")


class StatusListFilter(django_filters.FilterSet):
    """A list with a site filter and a status filter, shown with the counts per status."""

    site = django_filters.ModelChoiceFilter(
        label=_("Site"), queryset=users_sites, to_field_name="code", empty_label=_("All sites")
    )

    def cleaned(self, name: str):
        """The value of one filter, or None when it is empty or not valid."""
        if not self.is_bound:
            return None
        self.is_valid()  # a value that is not valid is left out of cleaned_data
        return self.form.cleaned_data.get(name)

    @property
    def selected_status(self) -> str:
        """The status chosen, or "" for all."""
        return self.cleaned("status") or ""

    def filter_queryset(self, queryset, *, skip=()):
        for name, value in self.form.cleaned_data.items():
            if name not in skip:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def status_counts(self) -> list[tuple[str, str, int]]:
        """(status, label, rows) under every filter but the status: the tabs above the list."""
        rows = self.queryset
        if self.is_bound:
            self.is_valid()
            rows = self.filter_queryset(rows, skip=("status",))
        counts = dict(rows.order_by().values_list("status").annotate(n=Count("pk")))
        choices = self.filters["status"].extra["choices"]
        return [(value, label, counts.get(value, 0)) for value, label in choices]


class YesNoFilter(django_filters.ChoiceFilter):
    """Yes, no or either, with the lookup that each of yes and no means."""

    def __init__(self, *, yes: Q, no: Q, **kwargs):
        super().__init__(choices=YES_NO, empty_label=_("Any"), **kwargs)
        self.meaning = {"yes": yes, "no": no}

    def filter(self, qs, value):
        return qs.filter(self.meaning[value]) if value in self.meaning else qs


class ColumnOrdering(django_filters.OrderingFilter):
    """Sorts by a column, empty values last, then by the subject ID; "-" reverses."""

    def get_ordering_value(self, param):
        descending = param.startswith("-")
        field = F(self.param_map[param.lstrip("-")])
        return field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)

    def ordering(self, value: list[str]) -> list:
        return [*(self.get_ordering_value(param) for param in value), "subject_id"]

    def filter(self, qs, value):
        return qs.order_by(*self.ordering(value)) if value else qs


# The column headings of the patient list, by sort key: (field, heading).
PATIENT_COLUMNS = {
    "subject": ("subject_id", _("Subject ID")),
    "site": ("site__code", _("Site")),
    "status": ("status", _("Status")),
    "arm": ("arm", _("Arm")),
    "consent": ("consent_date", _("Consent")),
    "randomized": ("randomized_at", _("Randomized")),
    "queries": ("open_queries", _("Open queries")),
}
DEFAULT_SORT = "subject"


class PatientFilter(StatusListFilter):
    """Search, filters and sorting of the patient list (annotated with arm, randomized_at,
    open_queries and overdue)."""

    q = django_filters.CharFilter(
        label=_("Subject ID"), field_name="subject_id", lookup_expr="icontains", max_length=16
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=PatientStatus.choices, empty_label=_("Any status")
    )
    arm = django_filters.ChoiceFilter(
        label=_("Arm"), choices=TreatmentArm.choices, empty_label=_("Any arm")
    )
    open_queries = YesNoFilter(
        label=_("Open queries"), yes=Q(open_queries__gt=0), no=Q(open_queries=0)
    )
    overdue = YesNoFilter(label=_("Overdue visits"), yes=Q(overdue=True), no=~Q(overdue=True))
    sort = ColumnOrdering(
        fields={field: key for key, (field, _heading) in PATIENT_COLUMNS.items()},
        field_labels={field: heading for field, heading in PATIENT_COLUMNS.values()},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.queryset = self.queryset.order_by(*self.filters["sort"].ordering([DEFAULT_SORT]))

    @property
    def sort_key(self) -> str:
        """The sort key in use: the first one asked for, or the subject ID."""
        asked = self.cleaned("sort")
        return asked[0] if asked else DEFAULT_SORT

    def sort_headers(self) -> list[dict]:
        """Column headings that sort by their column; a second click reverses the order."""
        current = self.sort_key
        headers = []
        for key, (_field, heading) in PATIENT_COLUMNS.items():
            active = current.lstrip("-") == key
            descending = active and current.startswith("-")
            headers.append(
                {
                    "label": heading,
                    "sort": f"-{key}" if active and not descending else key,
                    "active": active,
                    "descending": descending,
                }
            )
        return headers


class QueryFilter(StatusListFilter):
    """The filters of the queries list: status, site and subject ID."""

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=QueryStatus.choices, empty_label=_("Any status")
    )
    patient = django_filters.CharFilter(
        label=_("Subject ID"),
        field_name="patient__subject_id",
        lookup_expr="icontains",
        max_length=16,
    )
