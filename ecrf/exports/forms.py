"""The choices a data manager makes before an export: the format, and on the page a site."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from trial import access
from trial.access import Action

from .dataset import FORMATS


def format_choices():
    return [(code, f.label) for code, f in FORMATS.items()]


class DatasetFormatForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"), choices=format_choices, initial="csv", widget=forms.RadioSelect
    )


class DatasetExportForm(DatasetFormatForm):
    site = forms.ModelChoiceField(
        queryset=None,
        label=_("Site"),
        required=False,
        empty_label=_("All my sites"),
        help_text=_("Only the sites whose data you may export are listed."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = access.sites_for(user, action=Action.EXPORT).order_by("code")
        self.helper = FormHelper()
        self.helper.attrs = {"data-testid": "export-form", "id": "export-form"}
        self.helper.add_input(Submit("export", _("Export dataset")))
