"""How a stored value and its label read to a person, on the form pages and in the audit trail.

Choice codes read as their labels, booleans as Yes or No, dates and times in ISO 8601, related
records by name; the words follow the reader's language.
"""

import json

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.functional import keep_lazy_text
from django.utils.translation import gettext as _

NO_VALUE = "—"


@keep_lazy_text
def heading(text) -> str:
    """Capitalised for a label, except words such as ctDNA or pT that keep their spelling.

    Lazy for lazy text, so that labels built once still follow the user's language."""
    text = str(text)
    first = text.split(" ", 1)[0]
    if any(c.isupper() for c in first[1:]):
        return text
    return text[:1].upper() + text[1:]


def display_value(
    model_field: models.Field, value, *, empty: str = NO_VALUE, labels=None, tz=None
) -> str:
    """A stored value as a person reads it; `empty` when there is none.

    labels names related records, keyed by (model, pk) (the pk when a record has none);
    times are shown in tz, or in the current time zone."""
    if value is None or value == "":
        return empty
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(model_field, models.DateTimeField):
        return timezone.localtime(value, tz).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(model_field, models.DateField):
        return value.isoformat()
    if model_field.is_relation:
        if model_field.related_model is ContentType:
            return heading(ContentType.objects.get_for_id(value).name)
        return (labels or {}).get((model_field.related_model, value), str(value))
    if isinstance(model_field, models.JSONField):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
