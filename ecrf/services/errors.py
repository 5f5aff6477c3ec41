"""The refusals a page shows to the user when a service says no."""

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ..models import Crf

WITHDRAWN_PATIENT = _lazy(
    "This patient was withdrawn as entered in error; no data are entered for them."
)
WITHDRAWN_FORM = _lazy("This form was withdrawn as entered in error; it is kept for the record.")


class CrfError(Exception):
    """Base of the refusals a page shows to the user."""


@dataclass
class Conflict(CrfError):
    """Someone saved the form after the user loaded it."""

    current: Crf

    def __str__(self):
        return _("%(user)s saved this form at %(time)s, after you opened it.") % {
            "user": self.current.updated_by or "?",
            "time": timezone.localtime(self.current.updated_at).strftime("%Y-%m-%d %H:%M"),
        }


@dataclass
class FormLocked(CrfError):
    crf: Crf

    def __str__(self):
        return _("This form was locked by %(user)s on %(time)s; it cannot be changed.") % {
            "user": self.crf.locked_by,
            "time": timezone.localtime(self.crf.locked_at).strftime("%Y-%m-%d %H:%M"),
        }


@dataclass
class InvalidData(CrfError):
    """Hard edit checks, missing required items or a missing reason, by item."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items())


class TransitionRefused(CrfError):
    pass


def require_within(text: str, name: str, model) -> None:
    """Refuse a text longer than its field takes, at the field."""
    limit = model._meta.get_field(name).max_length
    if limit and len(text) > limit:
        raise InvalidData({name: [_("Keep it within %(limit)d characters.") % {"limit": limit}]})
