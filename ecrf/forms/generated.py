"""The ModelForm of each case report form, generated from its model on CrfForm, or on
AdverseEventForm for the adverse event (apart from crf.py, which the AE form builds on)."""

from functools import cache

from django import forms

from ecrf.models import Crf

from .adverse_event import AdverseEventForm
from .crf import CrfForm, item_formfield


@cache
def crf_form_class(model: type[Crf]) -> type[CrfForm]:
    """The ModelForm of a CRF: its editable items, in SECTIONS order."""
    base = AdverseEventForm if model.FORM_CODE == "adverse_event" else CrfForm
    editable = [f.name for f in model.item_fields() if f.editable]
    ordered = [n for _title, names in model.SECTIONS for n in names if n in editable]
    ordered += [n for n in editable if n not in ordered]
    return forms.modelform_factory(
        model, form=base, fields=ordered, formfield_callback=item_formfield
    )
