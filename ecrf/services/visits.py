"""Unscheduled visits: an extra visit outside the protocol's schedule, with its reason."""

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from trial import access, protocol
from trial.access import Action
from trial.history import record_save
from trial.models import Patient

from .. import patient_state
from ..models import Visit
from .errors import InvalidData


@transaction.atomic
def add_unscheduled_visit(
    *,
    patient: Patient,
    visit_date: date,
    acting_user,
    reason: str,
    expected_forms: Sequence[str] = (),
) -> Visit:
    """An extra visit outside the schedule, numbered UNS01, UNS02, ..., at which the chosen
    forms (among protocol.UNSCHEDULED_FORMS) are expected."""
    access.require(acting_user, Action.ENTER, patient.site_id)
    patient = Patient.objects.select_for_update().select_related("site").get(pk=patient.pk)
    reason = reason.strip()
    problems = unscheduled_visit_problems(
        patient, visit_date=visit_date, reason=reason, expected_forms=expected_forms
    )
    if problems:
        raise InvalidData(problems)
    number = Visit.objects.filter(patient=patient, unscheduled=True).count() + 1
    visit = Visit(
        patient=patient,
        site=patient.site,
        code=f"UNS{number:02d}",
        name=_("Unscheduled visit %(n)d") % {"n": number},
        phase="any",
        sequence=10_000 + number,
        target_date=visit_date,
        window_start=visit_date,
        window_end=visit_date,
        visit_date=visit_date,
        unscheduled=True,
        expected_forms=list(expected_forms),
    )
    return record_save(visit, acting_user=acting_user, reason=reason)


def unscheduled_visit_problems(
    patient, *, visit_date, reason, expected_forms
) -> dict[str, list[str]]:
    """What is wrong with an unscheduled visit, item by item; empty when nothing is."""
    problems: dict[str, list[str]] = {}
    facts = patient_state.facts_for(patient)
    today = patient.site.local_date()
    if patient.entered_in_error:
        problems["__all__"] = [_("This patient was withdrawn as entered in error.")]
    if visit_date > today:
        problems["visit_date"] = [
            _("The date %(date)s is after today (%(today)s).")
            % {"date": visit_date.isoformat(), "today": today.isoformat()}
        ]
    elif facts.consent_date and visit_date < facts.consent_date:
        problems["visit_date"] = [
            _("The visit (%(date)s) is before informed consent (%(consent)s).")
            % {"date": visit_date.isoformat(), "consent": facts.consent_date.isoformat()}
        ]
    elif facts.death_date and visit_date > facts.death_date:
        problems["visit_date"] = [
            _("The visit (%(date)s) is after the patient's death (%(death)s).")
            % {"date": visit_date.isoformat(), "death": facts.death_date.isoformat()}
        ]
    if not reason:
        problems["reason"] = [_("Give the reason for the visit.")]
    unknown = [code for code in expected_forms if code not in protocol.UNSCHEDULED_FORMS]
    if unknown:
        problems["expected_forms"] = [
            _("These forms are not entered at unscheduled visits: %(forms)s.")
            % {"forms": ", ".join(unknown)}
        ]
    return problems
