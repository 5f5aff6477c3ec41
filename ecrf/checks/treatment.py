"""Treatment: only after randomization, and in the arm the patient was given."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trial import protocol
from trial.protocol import Arm

from .registry import HARD, TREATMENT_FORMS, check, date_of

TREATMENT_DATE_ITEMS = {
    "folfox_cycle": "exstdat",
    "capecitabine_cycle": "exstdat",
    "end_of_treatment": "dsstdat",
}


@check(
    "TRT01",
    forms=TREATMENT_FORMS,
    item="(whole form)",
    hard=HARD,
    rule=gettext_lazy("Treatment forms are entered only for randomized patients."),
)
def treatment_not_randomized(form, values, ctx):
    if ctx.randomization_date is None:
        yield (
            "",
            _("The patient is not randomized: treatment can be recorded only after randomization."),
        )


@check(
    "TRT02",
    forms=TREATMENT_FORMS,
    item="exstdat, dsstdat",
    hard=HARD,
    rule=gettext_lazy("Study treatment is not given before randomization."),
)
def treatment_before_randomization(form, values, ctx):
    item = TREATMENT_DATE_ITEMS[form]
    given = date_of(values, item)
    if given and ctx.randomization_date and given < ctx.randomization_date:
        yield (
            item,
            _(
                "This date (%(date)s) is before randomization (%(randomized)s): study treatment "
                "starts after randomization."
            )
            % {"date": given.isoformat(), "randomized": ctx.randomization_date.isoformat()},
        )


@check(
    "CP09",
    forms=("capecitabine_cycle",),
    item="(whole form)",
    hard=HARD,
    rule=gettext_lazy("Capecitabine is given only in the maintenance arm."),
)
def capecitabine_outside_maintenance_arm(form, values, ctx):
    # Without randomization TRT01 already refuses; one reason is enough.
    if ctx.randomization_date is not None and ctx.arm != Arm.MAINTENANCE:
        arm = protocol.ARM_LABELS.get(ctx.arm, ctx.arm or "?")
        yield (
            "",
            _(
                "Maintenance capecitabine is only given in the maintenance arm; this patient was "
                "randomized to: %(arm)s."
            )
            % {"arm": arm},
        )
