"""Search, filters and sorting of the patient list."""

from dataclasses import dataclass

from django import forms
from django.db.models import F, Q
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from trial import access
from trial.models import PatientStatus, TreatmentArm

YES_NO = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]


@dataclass(frozen=True)
class Sort:
    label: str
    fields: tuple[str, ...]

    def ordering(self, *, descending: bool):
        first, *rest = self.fields
        key = F(first).desc(nulls_last=True) if descending else F(first).asc(nulls_last=True)
        return [key, *rest, "subject_id"]


SORTS = {
    "subject": Sort(_("Subject ID"), ("subject_id",)),
    "site": Sort(_("Site"), ("site__code",)),
    "status": Sort(_("Status"), ("status",)),
    "arm": Sort(_("Arm"), ("arm",)),
    "consent": Sort(_("Consent"), ("consent_date",)),
    "randomized": Sort(_("Randomized"), ("randomized_at",)),
    "queries": Sort(_("Open queries"), ("open_queries",)),
}
DEFAULT_SORT = "subject"


class PatientFilterForm(forms.Form):
    q = forms.CharField(label=_("Subject ID"), required=False, max_length=16)
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=None,
        required=False,
        empty_label=_("All sites"),
        to_field_name="code",
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *PatientStatus.choices], required=False
    )
    arm = forms.ChoiceField(
        label=_("Arm"), choices=[("", _("Any arm")), *TreatmentArm.choices], required=False
    )
    open_queries = forms.ChoiceField(label=_("Open queries"), choices=YES_NO, required=False)
    overdue = forms.ChoiceField(label=_("Overdue visits"), choices=YES_NO, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = access.visible_sites(user).order_by("code")

    def filter_except_status(self, patients):
        """Every filter but the status, which the counts per status are taken across."""
        data = self.cleaned_data
        if data.get("q"):
            patients = patients.filter(subject_id__icontains=data["q"].strip())
        if data.get("site"):
            patients = patients.filter(site=data["site"])
        if data.get("arm"):
            patients = patients.filter(arm=data["arm"])
        if data.get("open_queries") == "yes":
            patients = patients.filter(open_queries__gt=0)
        elif data.get("open_queries") == "no":
            patients = patients.filter(open_queries=0)
        if data.get("overdue") == "yes":
            patients = patients.filter(overdue=True)
        elif data.get("overdue") == "no":
            patients = patients.filter(~Q(overdue=True))
        return patients

    def sort_key(self) -> str:
        value = (self.data.get("sort") or "") if self.is_bound else ""
        return value if value.lstrip("-") in SORTS else DEFAULT_SORT

    def querystring(self, *, exclude=()) -> str:
        if not self.is_bound:
            return ""
        pairs = [(k, v) for k, v in self.data.items() if k not in exclude and v]
        return urlencode(pairs)
