"""Outcomes: survival contacts, death, end of study and recurrence."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecrf.models.outcomes import RECURRENCE_SITES, EndOfStudyReason, VitalStatus
from ecrf.models.treatment import EndOfTreatmentReason

from .registry import HARD, SOFT, check, date_of, text_of, ticked


@check(
    "SV01",
    forms=("survival",),
    item="lkadat",
    hard=HARD,
    rule=gettext_lazy("The date last known alive is not after the date of contact."),
)
def known_alive_after_contact(form, values, ctx):
    alive, contact = date_of(values, "lkadat"), date_of(values, "contact_date")
    if alive and contact and alive > contact:
        yield (
            "lkadat",
            _("The date last known alive (%(alive)s) is after the date of contact (%(contact)s).")
            % {"alive": alive.isoformat(), "contact": contact.isoformat()},
        )


@check(
    "SV02",
    forms=("survival",),
    item="vital_status",
    hard=SOFT,
    rule=gettext_lazy("A patient reported dead has a death form."),
)
def dead_without_death_form(form, values, ctx):
    if text_of(values, "vital_status") == VitalStatus.DEAD and ctx.death_date is None:
        yield "vital_status", _("The patient has died: please also complete the death form.")


@check(
    "SV03",
    forms=("survival",),
    item="vital_status",
    hard=HARD,
    rule=gettext_lazy("A patient is not reported alive at a contact after the recorded death."),
)
def alive_after_death(form, values, ctx):
    contact = date_of(values, "contact_date")
    if (
        text_of(values, "vital_status") == VitalStatus.ALIVE
        and contact
        and ctx.death_date
        and contact > ctx.death_date
    ):
        yield (
            "vital_status",
            _(
                "The death form records death on %(death)s; the patient cannot be alive at this "
                "contact (%(contact)s)."
            )
            % {"death": ctx.death_date.isoformat(), "contact": contact.isoformat()},
        )


@check(
    "DT01",
    forms=("death",),
    item="dthdat",
    hard=SOFT,
    rule=gettext_lazy("The date of death is not before the last date the patient was known alive."),
)
def death_before_last_contact(form, values, ctx):
    death, contact = date_of(values, "dthdat"), ctx.last_contact_date
    if death and contact and death < contact:
        yield (
            "dthdat",
            _(
                "The date of death (%(death)s) is before the patient was last known alive "
                "(%(contact)s); check both dates."
            )
            % {"death": death.isoformat(), "contact": contact.isoformat()},
        )


@check(
    "ES01",
    forms=("end_of_treatment", "end_of_study"),
    item="dsdecod",
    hard=SOFT,
    rule=gettext_lazy("Ended because of death: a death form is recorded."),
)
def ended_by_death_without_death_form(form, values, ctx):
    reason = text_of(values, "dsdecod")
    if reason in (EndOfTreatmentReason.DEATH, EndOfStudyReason.DEATH) and not ctx.death_date:
        yield "dsdecod", _("The reason is death: please also complete the death form.")


@check(
    "RC01",
    forms=("recurrence",),
    item="rsdat",
    hard=SOFT,
    rule=gettext_lazy("A recurrence is dated on or after randomization."),
)
def recurrence_before_randomization(form, values, ctx):
    found, randomized = date_of(values, "rsdat"), ctx.randomization_date
    if found and randomized and found < randomized:
        yield (
            "rsdat",
            _(
                "The recurrence (%(date)s) is dated before randomization (%(randomized)s): the "
                "patient had to be free of disease when randomized."
            )
            % {"date": found.isoformat(), "randomized": randomized.isoformat()},
        )


RECURRENCE_SITE_ITEMS = tuple(code for code, _label in RECURRENCE_SITES)


@check(
    "RC02",
    forms=("recurrence", "tumour_assessment"),
    item="site_liver ... site_other",
    hard=SOFT,
    rule=gettext_lazy("A recurrence has at least one site ticked."),
)
def recurrence_without_site(form, values, ctx):
    if form == "recurrence":
        recurrence = date_of(values, "rsdat") is not None
    else:
        recurrence = ticked(values, "recurrence")
    if recurrence and not any(ticked(values, site) for site in RECURRENCE_SITE_ITEMS):
        yield RECURRENCE_SITE_ITEMS[0], _("Tick at least one site of recurrence.")
