"""The visits the protocol expects of one patient, from their anchor dates. Pure rules."""

from dataclasses import dataclass
from datetime import date, timedelta

from trial import protocol
from trial.protocol import Anchor, Arm, VisitDef


@dataclass(frozen=True)
class Anchors:
    """The dates a patient's schedule hangs from, and the facts that cut it short."""

    consent: date | None = None
    registered: date | None = None
    randomization: date | None = None
    arm: Arm | None = None
    first_folfox: date | None = None
    end_of_treatment: date | None = None
    screen_failed: bool = False
    death: date | None = None
    end_of_study: date | None = None
    recurrence: date | None = None


@dataclass(frozen=True)
class PlannedVisit:
    code: str
    name: str
    phase: str
    sequence: int
    target: date | None
    window_start: date | None
    window_end: date | None
    forms: tuple[str, ...]


def planned_treatment_end(first_folfox: date, arm: Arm) -> date:
    """The day after the last planned cycle ends, the default end-of-treatment anchor."""
    days = protocol.FOLFOX.cycles * protocol.FOLFOX.cycle_days
    if arm == Arm.MAINTENANCE:
        days += protocol.CAPECITABINE.cycles * protocol.CAPECITABINE.cycle_days
    return first_folfox + timedelta(days=days)


def _anchor_date(visit: VisitDef, a: Anchors) -> date | None:
    if visit.anchor == Anchor.CONSENT:
        return a.consent or a.registered
    if visit.anchor == Anchor.RANDOMIZATION:
        return a.randomization
    if visit.anchor == Anchor.FIRST_FOLFOX:
        return a.first_folfox
    if a.end_of_treatment:
        return a.end_of_treatment
    if a.first_folfox and a.arm:
        return planned_treatment_end(a.first_folfox, a.arm)
    return None


def _first_cycle(a: Anchors, sequence: int) -> PlannedVisit:
    """Before the first dose is given, cycle 1 is due within 28 days of randomization."""
    visit = protocol.visit_def("C01")
    return PlannedVisit(
        visit.code,
        visit.name,
        visit.phase,
        sequence,
        a.randomization,
        a.randomization,
        a.randomization + timedelta(days=protocol.FIRST_FOLFOX_WITHIN_DAYS),
        visit.forms,
    )


def planned_visits(a: Anchors) -> list[PlannedVisit]:
    """The scheduled visits that apply now, in protocol order.

    Nothing after screening for a screen failure; only the patient's arm's visits; after
    death or the end of study nothing is expected beyond what was due before it, except
    the death and end-of-study forms (which the casebook asks for as events).
    """
    cutoff = a.death or a.end_of_study
    plan = []
    for sequence, visit in enumerate(protocol.VISITS):
        if visit.phase != "screening" and (a.screen_failed or not a.randomization):
            continue
        if a.arm and a.arm not in visit.arms:
            continue
        if visit.code == "C01" and not a.first_folfox and a.randomization:
            plan.append(_first_cycle(a, sequence))
            continue
        anchor = _anchor_date(visit, a)
        if anchor is None:
            continue
        target = anchor + timedelta(days=visit.day)
        if a.end_of_treatment and visit.phase in ("treatment", "maintenance"):
            if target > a.end_of_treatment:
                continue  # treatment stopped early: later cycles are not expected
        if cutoff and target > cutoff:
            continue
        forms = visit.forms
        if a.recurrence and visit.phase == "follow_up" and target > a.recurrence:
            forms = protocol.FOLLOW_UP_FORMS_AFTER_RECURRENCE
        plan.append(
            PlannedVisit(
                visit.code,
                visit.name,
                visit.phase,
                sequence,
                target,
                target - timedelta(days=visit.window_before),
                target + timedelta(days=visit.window_after),
                forms,
            )
        )
    return plan


def closing_forms(a: Anchors) -> tuple[str, ...]:
    """The event forms the protocol expects once a patient died or left the study."""
    if a.death:
        return protocol.DEATH_FORMS
    return ()


def is_overdue(*, window_end: date | None, forms_missing: bool, today: date) -> bool:
    """A visit is overdue when its window has closed and a form is still missing."""
    return bool(window_end and forms_missing and window_end < today)
