"""One ModelForm per case report form, laid out like the paper CRF from the model's SECTIONS.

Every item is optional while the form is a draft; the save service says which items a
complete form needs, and the page shows that at the item. Derived items (DERIVED) are shown,
never typed; units (UNITS) sit next to their input.
"""

from functools import cache

from crispy_forms.bootstrap import AppendedText
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, LayoutObject
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import construct_instance
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ecrf.display import display_value, heading
from ecrf.models import Crf
from ecrf.models.safety import SERIOUS_CRITERIA
from ecrf.models.treatment import FOLFOX_PREFIX

ISO_DATE = "%Y-%m-%d"
LONG_LABEL = 60  # characters; longer labels (eligibility criteria) take the full row

# Items that only apply when another item is ticked (True) or not ticked (False).
SHOWN_WHEN: dict[str, dict[str, tuple[str, bool]]] = {
    "adverse_event": {
        **{code: ("aeser", True) for code, _label in SERIOUS_CRITERIA},
        "aeendat": ("aeongo", False),
    },
    "folfox_cycle": {
        "delay_days": ("delayed", True),
        "delay_reason": ("delayed", True),
        "reduction_reason": ("reduced", True),
        **{f"{p}_exdose": (f"{p}_omitted", False) for p in FOLFOX_PREFIX.values()},
    },
    "medical_history": {"mhendat": ("mhongo", False)},
    "concomitant_medication": {"cmendat": ("cmongo", False)},
}


class DateInput(forms.DateInput):
    """The browser's date picker; the value travels as ISO 8601 whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_DATE)


def item_formfield(db_field: models.Field, **kwargs):
    kwargs.setdefault("label", heading(db_field.verbose_name))
    if isinstance(db_field, models.DateField):
        kwargs.update(widget=DateInput, input_formats=[ISO_DATE], localize=False)
    field = db_field.formfield(**kwargs)
    if field is not None:
        field.required = False  # a draft may be partial; completeness is checked on complete
    return field


class DerivedItem(LayoutObject):
    """A value the eCRF calculates, shown read-only where the paper CRF has it."""

    def __init__(self, name: str):
        self.name = name
        self.fields = []

    def render(self, form, context, template_pack=None, **kwargs):
        return render_to_string(
            "ecrf/entry/_derived_item.html",
            {"item": form.derived_item(self.name)},
        )


class CrfForm(forms.ModelForm):
    """Base of the generated forms: layout, read-only mode and where errors land."""

    def __init__(
        self, *args, patient=None, read_only: bool = False, derived: dict | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.patient = patient or getattr(self.instance, "patient", None)
        self.read_only = read_only
        self.derived = derived or {}
        self.derived_note = ""
        self.findings_by_item: dict[str, list[str]] = {}
        if read_only:
            for field in self.fields.values():
                field.disabled = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = self.build_layout()

    # Layout --------------------------------------------------------------------------

    @property
    def crf_model(self) -> type[Crf]:
        return self._meta.model

    def build_layout(self) -> Layout:
        sections = []
        for title, names in self.crf_model.SECTIONS:
            items = [self.layout_item(name) for name in names]
            sections.append(
                Fieldset(
                    str(title),
                    Div(*[i for i in items if i is not None], css_class="row g-3"),
                    css_class="crf-section card card-body mb-3",
                )
            )
        return Layout(*sections)

    def column_class(self, name: str) -> str:
        label = str(self.fields[name].label) if name in self.fields else ""
        return "col-12" if len(label) > LONG_LABEL else "col-md-6 col-xl-4"

    def layout_item(self, name: str):
        if name not in self.fields:
            return Div(DerivedItem(name), css_class=self.column_class(name))
        wrapper = "required-to-complete" if name in self.required_to_complete() else None
        unit = self.crf_model.unit_label(name)
        if unit:
            item = AppendedText(name, unit, wrapper_class=wrapper)
        else:
            item = Field(name, wrapper_class=wrapper)
        attrs = {}
        controller = SHOWN_WHEN.get(self.crf_model.FORM_CODE, {}).get(name)
        if controller:
            attrs["data_shown_when"] = controller[0]
            attrs["data_shown_if_ticked"] = "true" if controller[1] else "false"
        return Div(item, css_class=f"{self.column_class(name)} crf-item", **attrs)

    def required_to_complete(self) -> frozenset[str]:
        return required_to_complete(self.crf_model)

    # Validation --------------------------------------------------------------------

    def _post_clean(self):
        """Field rules here; the model's constraints are the save service's edit checks,
        which name the item in a clinician's words."""
        exclude = self._get_validation_exclusions()
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields)
            self.instance.full_clean(
                exclude=exclude, validate_unique=False, validate_constraints=False
            )
        except ValidationError as e:
            self._update_errors(e)
        self.check_once_per_patient()

    def check_once_per_patient(self) -> None:
        """A value the protocol allows once per patient (a cycle number) is not repeated."""
        if self.patient is None:
            return
        for constraint in self.crf_model._meta.constraints:
            if not isinstance(constraint, models.UniqueConstraint):
                continue
            items = [n for n in constraint.fields if n != "patient"]
            values = {n: self.cleaned_data.get(n) for n in items}
            if not items or any(n not in self.fields for n in items) or None in values.values():
                continue
            taken = (
                self.crf_model.objects.filter(
                    patient=self.patient, entered_in_error=False, **values
                )
                .exclude(pk=self.instance.pk)
                .exists()
            )
            if taken:
                name = items[0]
                self.add_error(
                    name,
                    _("%(item)s %(value)s is already recorded for this patient.")
                    % {"item": self.item_label(name), "value": values[name]},
                )

    # Derived values ------------------------------------------------------------------

    def derived_item(self, name: str) -> dict:
        field = self.crf_model._meta.get_field(name)
        value = self.derived.get(name, getattr(self.instance, field.attname, None))
        return {
            "name": name,
            "label": heading(field.verbose_name),
            "value": display_value(field, value),
            "unit": self.crf_model.unit_label(name),
            "calculated": name in self.crf_model.DERIVED,
        }

    # Errors and findings -------------------------------------------------------------

    def item_data(self) -> dict:
        """The cleaned items in the shape the save services take."""
        return {name: self.cleaned_data.get(name) for name in self.fields}

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Put each refusal of the save service at its item, or above the form."""
        for name, messages in errors.items():
            for message in messages:
                if name in self.fields:
                    self.add_error(name, message)
                elif name == "__all__":
                    self.add_error(None, message)
                else:
                    label = self.item_label(name)
                    self.add_error(None, format_html("{}: {}", label, message))

    def item_label(self, name: str) -> str:
        try:
            return heading(self.crf_model._meta.get_field(name).verbose_name)
        except Exception:  # an item the model does not have: name it as the check did
            return name

    def show_queries(self, queries) -> None:
        """Queries still waiting, flagged under the item they ask about."""
        for query in queries:
            if query.field_name in self.fields:
                note = format_html(
                    '<a class="query-note query-state-{}" href="#query-{}">{} · {}</a>',
                    query.status,
                    query.pk,
                    _("Query"),
                    query.get_status_display(),
                )
                help_text = self.fields[query.field_name].help_text
                self.fields[query.field_name].help_text = (
                    format_html("{} {}", help_text, note) if help_text else note
                )

    def show_findings(self, findings) -> None:
        """Soft edit-check findings, shown under their item as a warning."""
        for finding in findings:
            self.findings_by_item.setdefault(finding.field_name, []).append(finding.message)
        for name, messages in self.findings_by_item.items():
            if name in self.fields:
                warning = format_html(
                    '<span class="text-warning-emphasis finding">{}</span>', " ".join(messages)
                )
                help_text = self.fields[name].help_text
                self.fields[name].help_text = (
                    format_html("{}<br>{}", help_text, warning) if help_text else warning
                )


@cache
def required_to_complete(model: type[Crf]) -> frozenset[str]:
    """Items the save service refuses to leave empty on a complete form (as missing_required)."""
    return frozenset(
        f.name
        for f in model.item_fields()
        if f.editable and not f.blank and not isinstance(f, models.BooleanField)
    )
