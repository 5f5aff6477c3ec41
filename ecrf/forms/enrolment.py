"""Forms of the enrolment pages: registering a patient, confirming randomization, screen failure."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trial import access
from trial.access import Action
from trial.models import Patient, Sex

from ..models import EndOfStudy

OLDEST_AGE = 100  # a year of birth further back is taken for a typing error


class IsoDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PatientRegistrationForm(forms.Form):
    site = forms.ModelChoiceField(queryset=None, label=_("Site"), empty_label=None)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    birth_year = forms.IntegerField(label=_("Year of birth"))
    screening_number = forms.CharField(
        label=_("Screening number"),
        max_length=Patient._meta.get_field("screening_number").max_length,
        required=False,
        help_text=_("The site's screening log number, if it keeps one."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Only the sites where the user may enter data; any other site is an invalid choice.
        sites = access.sites_for(user, action=Action.ENTER).order_by("code")
        self.fields["site"].queryset = sites
        this_year = timezone.localdate().year
        self.fields["birth_year"] = forms.IntegerField(
            label=_("Year of birth"),
            min_value=this_year - OLDEST_AGE,
            max_value=this_year,
        )
        self.helper = FormHelper()
        self.helper.add_input(Submit("register", _("Register patient")))

    def clean(self):
        cleaned = super().clean()
        site, number = cleaned.get("site"), cleaned.get("screening_number")
        if site and number:
            taken = (
                access.patients_for(self.user, action=Action.ENTER)
                .filter(site=site, screening_number=number)
                .exists()
            )
            if taken:
                self.add_error("screening_number", screening_number_taken(number, site))
        return cleaned


def screening_number_taken(number, site) -> str:
    return _("Screening number %(number)s is already used at %(site)s.") % {
        "number": number,
        "site": site.code,
    }


class RandomizationConfirmForm(forms.Form):
    """The investigator's confirmation; the stratum shown is sent back and must still hold."""

    confirm = forms.ChoiceField(
        choices=[("yes", _("Yes"))],
        error_messages={"required": _("Confirm the randomization to go ahead.")},
    )
    stratum = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, stratum: str | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_stratum = stratum
        self.initial.setdefault("stratum", stratum or "")

    def clean_stratum(self):
        shown = self.cleaned_data["stratum"]
        if shown and shown != self.current_stratum:
            raise forms.ValidationError(
                _(
                    "The stratum changed from %(shown)s to %(now)s after this page was opened. "
                    "Check the liver resection form and confirm again."
                ),
                params={"shown": shown, "now": self.current_stratum or "-"},
            )
        return shown


class ScreenFailureForm(forms.Form):
    failure_date = forms.DateField(
        label=_("Date of screen failure"),
        widget=IsoDateInput(),
        help_text=_("The date the patient was found not eligible or left screening."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=EndOfStudy._meta.get_field("dsterm").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for the screen failure.")},
        help_text=_("For example the criterion not met: 'EX02: extrahepatic disease on CT'."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("record", _("Record screen failure"), css_class="btn-warning"))

    def clean_failure_date(self):
        day = self.cleaned_data["failure_date"]
        today = timezone.localdate()
        if day > today:
            raise forms.ValidationError(
                _("The date %(date)s is after today (%(today)s)."),
                params={"date": day.isoformat(), "today": today.isoformat()},
            )
        return day


class PatientWithdrawalForm(forms.Form):
    reason = forms.CharField(
        label=_("Why was this patient registered in error?"),
        max_length=300,
        error_messages={"required": _("Give the reason the patient was entered in error.")},
        help_text=_("For example 'registered twice, see S01-012' or 'not a study patient'."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(
            Submit("withdraw", _("Withdraw as entered in error"), css_class="btn-outline-danger")
        )
