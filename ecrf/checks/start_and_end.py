"""Start and end dates, ongoing: medical history, medications, adverse events."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .registry import HARD, CheckDef, date_of, register, ticked


def end_not_before_start(check_id: str, form: str, start: str, end: str) -> None:
    def evaluate(form_code, values, ctx):
        first, last = date_of(values, start), date_of(values, end)
        if first and last and last < first:
            yield (
                end,
                _("The end date %(end)s is before the start date %(start)s.")
                % {
                    "end": last.isoformat(),
                    "start": first.isoformat(),
                },
            )

    rule = gettext_lazy("The end date is on or after the start date.")
    register(CheckDef(check_id, (form,), end, HARD, rule, evaluate))


def _ongoing_without_end(check_id: str, form: str, ongoing: str, end: str, what) -> None:
    def evaluate(form_code, values, ctx):
        if ticked(values, ongoing) and date_of(values, end):
            yield (
                end,
                _(
                    "This %(what)s is ticked as ongoing, so it has no end date: clear the end "
                    "date or untick ongoing."
                )
                % {"what": what},
            )

    rule = gettext_lazy("Ongoing: no end date.")
    register(CheckDef(check_id, (form,), f"{ongoing}, {end}", HARD, rule, evaluate))


end_not_before_start("MH01", "medical_history", "mhstdat", "mhendat")
_ongoing_without_end("MH02", "medical_history", "mhongo", "mhendat", gettext_lazy("condition"))
end_not_before_start("CM01", "concomitant_medication", "cmstdat", "cmendat")
_ongoing_without_end(
    "CM02", "concomitant_medication", "cmongo", "cmendat", gettext_lazy("medication")
)
end_not_before_start("AE01", "adverse_event", "aestdat", "aeendat")
_ongoing_without_end("AE02", "adverse_event", "aeongo", "aeendat", gettext_lazy("event"))
