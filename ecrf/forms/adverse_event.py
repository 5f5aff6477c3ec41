"""The adverse event form: a CTCAE term picker and only the grades that term defines."""

from crispy_forms.layout import Div, Field
from django import forms
from django.utils.translation import gettext_lazy as _

from ecrf import ctcae

from .crf import CrfForm


def grade_choices(meddra_code) -> list[tuple[int, str]]:
    """(grade, "Grade n: definition") for the grades CTCAE defines for the term."""
    try:
        grades = ctcae.grades_for(meddra_code)
    except KeyError:
        return []
    return [(grade, text) for grade, text in sorted(grades.items())]


class AdverseEventForm(CrfForm):
    PICKER_ITEMS = ("aeterm", "aesoc")  # shown by the picker with the chosen term

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.ctcae_code()
        self.fields["aeptcd"].widget = forms.HiddenInput()
        grade = self.fields["aetoxgr"]
        grade.choices = grade_choices(code)
        grade.widget = forms.RadioSelect(choices=grade.choices)
        grade.error_messages["invalid_choice"] = _(
            "Grade %(value)s does not exist for this term in CTCAE v5.0; choose one of the "
            "grades listed."
        )
        if self.read_only:
            grade.disabled = True

    def ctcae_code(self) -> str:
        if self.is_bound:
            return (self.data.get(self.add_prefix("aeptcd")) or "").strip()
        return str(self.initial.get("aeptcd") or self.instance.aeptcd or "").strip()

    @property
    def chosen_term(self) -> ctcae.CtcaeTerm | None:
        try:
            return ctcae.term_by_code(self.ctcae_code())
        except KeyError:
            return None

    def layout_item(self, name: str):
        if name in self.PICKER_ITEMS:
            return None
        if name == "aeptcd":
            return Div(Field(name, template="ecrf/entry/_ctcae_picker.html"), css_class="col-12")
        if name == "aetoxgr":
            return Div(Field(name, template="ecrf/entry/_ctcae_grades.html"), css_class="col-12")
        return super().layout_item(name)

    def clean_aeptcd(self):
        code = (self.cleaned_data.get("aeptcd") or "").strip()
        if code and self.chosen_term is None:
            raise forms.ValidationError(
                _("%(code)s is not a CTCAE v5.0 term; choose the term from the list."),
                params={"code": code},
            )
        return code
