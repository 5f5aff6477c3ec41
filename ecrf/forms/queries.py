"""Forms of data queries and edit-check findings: raise, answer, close, re-open, explain.

The services hold the rules (an empty question or answer is refused there), so these
forms only shape the input; the service's refusals are put back at their field.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .crf import heading

TEXT_ROWS = 2


def _text(label, *, max_length=None, help_text=""):
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": TEXT_ROWS}),
    )


class ServiceErrorsMixin:
    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class RaiseQueryForm(ServiceErrorsMixin, forms.Form):
    field_name = forms.ChoiceField(label=_("Item"), required=False)
    text = _text(_("Question for the site"), max_length=2000)

    def __init__(self, *args, crf_model, **kwargs):
        kwargs.setdefault("auto_id", "id_raise_%s")
        super().__init__(*args, **kwargs)
        self.fields["field_name"].choices = [
            ("", _("The whole form")),
            *((f.name, heading(f.verbose_name)) for f in crf_model.item_fields()),
        ]


class AnswerQueryForm(ServiceErrorsMixin, forms.Form):
    answer = _text(_("Your answer"), max_length=2000)


class CloseQueryForm(ServiceErrorsMixin, forms.Form):
    note = forms.CharField(
        label=_("Closing note"),
        required=False,
        max_length=400,
        help_text=_("Optional once answered; required to close a query nobody answered."),
    )


class ReopenQueryForm(ServiceErrorsMixin, forms.Form):
    text = _text(_("New question"), max_length=2000)


class ExplainFindingForm(ServiceErrorsMixin, forms.Form):
    explanation = _text(_("Explanation"), max_length=400)


def query_action_form(kind: str, data=None, *, pk: int):
    """The answer, close or re-open form of one query, with ids unique on the page."""
    form_class = {"answer": AnswerQueryForm, "close": CloseQueryForm, "reopen": ReopenQueryForm}
    return form_class[kind](data, auto_id=f"id_query{pk}_{kind}_%s")


def explain_form(data=None, *, pk: int) -> ExplainFindingForm:
    return ExplainFindingForm(data, auto_id=f"id_finding{pk}_%s")
