"""The small forms around a CRF: the reason for a change, the e-signature, unlocking,
withdrawing a form entered in error."""

from django import forms
from django.utils.translation import gettext_lazy as _

OTHER = "other"
REASONS_FOR_CHANGE = (
    ("transcription_error", _("Transcription error")),
    ("new_information", _("New information from source")),
    ("query_answer", _("Query answer")),
    ("late_data", _("Data received late")),
    (OTHER, _("Other (explain below)")),
)


class ReasonForChangeForm(forms.Form):
    """Asked when a completed form is changed; the reason lands in the form's history."""

    prefix = "change"

    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", "---------"), *REASONS_FOR_CHANGE],
        required=False,
    )
    detail = forms.CharField(
        label=_("Explanation"),
        max_length=300,
        required=False,
        help_text=_("Required for 'Other'; adds detail to any reason."),
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == OTHER and not (data.get("detail") or "").strip():
            self.add_error("detail", _("Explain the reason for the change."))
        return data

    def reason_text(self) -> str:
        """The reason as it reads in the history: the choice, then the explanation."""
        if not self.is_valid():
            return ""
        choice = self.cleaned_data.get("reason")
        detail = (self.cleaned_data.get("detail") or "").strip()
        label = "" if choice in ("", OTHER, None) else str(dict(REASONS_FOR_CHANGE)[choice])
        return ": ".join(part for part in (label, detail) if part)


class SignForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Entering your password is your electronic signature of this form."),
    )


class SignCasebookForm(forms.Form):
    prefix = "casebook"
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_(
            "Entering your password is your electronic signature of every form listed above."
        ),
    )


class UnlockForm(forms.Form):
    reason = forms.CharField(label=_("Reason for unlocking"), max_length=300)


class WithdrawForm(forms.Form):
    """A form entered by mistake (wrong patient, duplicate) is withdrawn, never deleted."""

    prefix = "withdraw"
    reason = forms.CharField(
        label=_("Why was this form entered in error?"),
        max_length=300,
        error_messages={"required": _("Give a reason for withdrawing the form.")},
        help_text=_("For example 'entered for the wrong patient' or 'duplicate of form #12'."),
    )
