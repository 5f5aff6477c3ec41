"""Adverse events: seriousness, outcome, CTCAE term and grade."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecrf import ctcae
from ecrf.models.safety import SERIOUS_CRITERIA, AeOutcome

from .registry import HARD, SOFT, check, date_of, number_of, shown, text_of, ticked

RESOLVED_OUTCOMES = (AeOutcome.RECOVERED, AeOutcome.SEQUELAE)
SERIOUS_CRITERION_ITEMS = tuple(code for code, _label in SERIOUS_CRITERIA)
FATAL_GRADE = 5


@check(
    "AE03",
    forms=("adverse_event",),
    item="aeendat",
    hard=SOFT,
    rule=gettext_lazy("A recovered event that is not ongoing has an end date."),
)
def recovered_without_end(form, values, ctx):
    if (
        not ticked(values, "aeongo")
        and text_of(values, "aeout") in RESOLVED_OUTCOMES
        and date_of(values, "aeendat") is None
    ):
        yield "aeendat", _("The event has recovered: enter the date it ended.")


@check(
    "AE04",
    forms=("adverse_event",),
    item="aeser",
    hard=HARD,
    rule=gettext_lazy("A serious event has at least one seriousness criterion."),
)
def serious_without_criterion(form, values, ctx):
    if ticked(values, "aeser") and not any(ticked(values, c) for c in SERIOUS_CRITERION_ITEMS):
        yield "aeser", _("A serious adverse event needs at least one seriousness criterion.")


@check(
    "AE05",
    forms=("adverse_event",),
    item="aeser",
    hard=HARD,
    rule=gettext_lazy("Seriousness criteria are ticked only for a serious event."),
)
def criteria_on_non_serious(form, values, ctx):
    if not ticked(values, "aeser") and any(ticked(values, c) for c in SERIOUS_CRITERION_ITEMS):
        yield (
            "aeser",
            _(
                "Seriousness criteria are ticked, but the event is not marked serious: mark it "
                "serious or clear the criteria."
            ),
        )


@check(
    "AE06",
    forms=("adverse_event",),
    item="aeout",
    hard=HARD,
    rule=gettext_lazy("A grade 5 event has outcome fatal."),
)
def grade_5_not_fatal(form, values, ctx):
    outcome = text_of(values, "aeout")
    if number_of(values, "aetoxgr") == FATAL_GRADE and outcome and outcome != AeOutcome.FATAL:
        yield "aeout", _("A grade 5 event is fatal by definition: the outcome must be fatal.")


@check(
    "AE07",
    forms=("adverse_event",),
    item="aetoxgr",
    hard=HARD,
    rule=gettext_lazy("An event with outcome fatal is grade 5."),
)
def fatal_not_grade_5(form, values, ctx):
    grade = number_of(values, "aetoxgr")
    if text_of(values, "aeout") == AeOutcome.FATAL and grade is not None and grade != FATAL_GRADE:
        yield (
            "aetoxgr",
            _("A fatal event is CTCAE grade 5 (grade %(grade)s entered).")
            % {"grade": shown(grade)},
        )


@check(
    "AE08",
    forms=("adverse_event",),
    item="aesdth",
    hard=HARD,
    rule=gettext_lazy("A fatal or grade 5 event has the criterion 'results in death'."),
)
def fatal_without_death_criterion(form, values, ctx):
    fatal = (
        text_of(values, "aeout") == AeOutcome.FATAL or number_of(values, "aetoxgr") == FATAL_GRADE
    )
    if fatal and not ticked(values, "aesdth"):
        yield (
            "aesdth",
            _("A fatal event is serious: mark it serious with the criterion 'results in death'."),
        )


@check(
    "AE10",
    forms=("adverse_event",),
    item="aeptcd",
    hard=HARD,
    rule=gettext_lazy("The event is a CTCAE v5.0 term."),
)
def unknown_ctcae_term(form, values, ctx):
    code = text_of(values, "aeptcd")
    if code:
        try:
            ctcae.term_by_code(code)
        except KeyError:
            yield (
                "aeptcd",
                _("%(code)s is not a CTCAE v5.0 term; choose the term from the list.")
                % {"code": code},
            )


@check(
    "AE11",
    forms=("adverse_event",),
    item="aetoxgr",
    hard=HARD,
    rule=gettext_lazy("The grade exists in CTCAE v5.0 for the chosen term."),
)
def grade_not_defined_for_term(form, values, ctx):
    code, grade = text_of(values, "aeptcd"), number_of(values, "aetoxgr")
    if not code or grade is None:
        return
    try:
        grades = ctcae.grades_for(code)
    except KeyError:
        return  # AE10 names the unknown term
    if int(grade) not in grades:
        yield (
            "aetoxgr",
            _("CTCAE v5.0 defines grades %(grades)s for %(term)s; grade %(grade)d does not exist.")
            % {
                "grades": ", ".join(str(g) for g in sorted(grades)),
                "term": ctcae.term_by_code(code).term,
                "grade": int(grade),
            },
        )


@check(
    "AE09",
    forms=("adverse_event",),
    item="aestdat",
    hard=SOFT,
    rule=gettext_lazy(
        "An adverse event starts on or after informed consent; conditions "
        "present before belong in the medical history."
    ),
)
def ae_before_consent(form, values, ctx):
    start = date_of(values, "aestdat")
    if start and ctx.consent_date and start < ctx.consent_date:
        yield (
            "aestdat",
            _(
                "The event started on %(start)s, before informed consent (%(consent)s): conditions "
                "present before consent belong in the medical history."
            )
            % {"start": start.isoformat(), "consent": ctx.consent_date.isoformat()},
        )
