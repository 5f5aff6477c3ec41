"""Why randomizing a patient or storing a list stopped; str() is a message for the
clinician or data manager."""

from collections.abc import Sequence

from django.utils.translation import gettext as _

from trial.models import AlertKind

from .gate import Refusal


class RandomizationError(Exception):
    """Base of the errors below; str() is a message for the clinician or data manager."""


class RandomizationRefused(RandomizationError):
    def __init__(self, refusals: Sequence[Refusal]):
        self.refusals = list(refusals)
        super().__init__(
            _("The patient cannot be randomized: %(reasons)s")
            % {"reasons": " ".join(r.message for r in self.refusals)}
        )


class AllocationUnavailable(RandomizationError):
    """No list entry for the patient's stratum; data managers have been alerted."""

    alert_kind: AlertKind

    def __init__(self, stratum: str, message: str):
        self.stratum = stratum
        super().__init__(message)


class StratumExhausted(AllocationUnavailable):
    alert_kind = AlertKind.STRATUM_EXHAUSTED

    def __init__(self, stratum: str):
        super().__init__(
            stratum,
            _(
                "The randomization list of stratum %(stratum)s has no entry left. The patient "
                "has not been randomized; the data managers have been alerted and will extend "
                "the list."
            )
            % {"stratum": stratum},
        )


class StratumNotLoaded(AllocationUnavailable):
    alert_kind = AlertKind.STRATUM_NOT_LOADED

    def __init__(self, stratum: str):
        super().__init__(
            stratum,
            _(
                "No randomization list has been loaded for stratum %(stratum)s. The patient "
                "has not been randomized; the data managers have been alerted."
            )
            % {"stratum": stratum},
        )


class AllocationListInvalid(RandomizationError):
    """A list that cannot be stored; errors name each problem (with its line in a file)."""

    def __init__(self, errors: Sequence[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))
