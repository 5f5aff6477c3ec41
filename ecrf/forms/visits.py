"""Adding a visit outside the protocol's schedule."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from trial import protocol

from ..models import FORMS_BY_CODE
from .crf import heading
from .enrolment import IsoDateInput

REASON_LENGTH = 200  # kept as the change reason of the visit's history row


class UnscheduledVisitForm(forms.Form):
    visit_date = forms.DateField(
        label=_("Date of the visit"),
        widget=IsoDateInput(),
        error_messages={"required": _("Give the date of the visit.")},
    )
    reason = forms.CharField(
        label=_("Reason for the visit"),
        max_length=REASON_LENGTH,
        error_messages={"required": _("Give the reason for the visit.")},
        help_text=_(
            "For example 'fever on day 5 of cycle 3' or 'CEA rise, imaging brought forward'."
        ),
    )

    expected_forms = forms.MultipleChoiceField(
        label=_("Forms to enter at this visit"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Adverse events, medications, ctDNA samples and the other logs are entered at any "
            "time from the casebook."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_forms"].choices = [
            (code, heading(FORMS_BY_CODE[code]._meta.verbose_name))
            for code in protocol.UNSCHEDULED_FORMS
        ]
        self.helper = FormHelper()
        self.helper.add_input(Submit("add", _("Add the visit")))
