"""A patient's casebook: visits by forms with each form's state, and the logs beside them.

The number of queries does not depend on how many visits or forms the patient has: each
form model is read once per patient, the open queries once, the visits once.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from trial import access, protocol
from trial.access import Action
from trial.models import TreatmentArm

from .. import patient_state, selectors, services, signatures, workflow
from ..forms import SignCasebookForm, display_value, heading
from ..models import FORMS_BY_CODE, Crf, FormStatus, Visit
from .entry_forms import crf_model

# The forms kept as logs or events of the whole study rather than of one visit.
EVENT_FORMS = (
    "adverse_event",
    "concomitant_medication",
    "medical_history",
    "ctdna",
    "protocol_deviation",
    "subsequent_therapy",
    "recurrence",
    "death",
    "end_of_study",
)
# Logs entered at any time, offered as buttons next to the patient's name.
QUICK_ADD = ("adverse_event", "concomitant_medication")
# Entries a log shows in the casebook; the form's list has them all.
LOG_PREVIEW = 5
# What identifies one entry of a log at a glance.
SUMMARY_ITEMS = {
    "adverse_event": ("aeterm", "aetoxgr", "aestdat"),
    "concomitant_medication": ("cmtrt", "cmstdat"),
    "medical_history": ("mhterm", "mhstdat"),
    "ctdna": ("bsdat", "timepoint", "result"),
    "protocol_deviation": ("dvstdat", "dvcat", "severity"),
    "subsequent_therapy": ("cmtrt", "cmstdat"),
    "recurrence": ("rsdat", "confirmed_by"),
    "death": ("dthdat", "cause"),
    "end_of_study": ("dsstdat", "dsdecod"),
    "folfox_cycle": ("cycle", "exstdat"),
    "capecitabine_cycle": ("cycle", "exstdat"),
}
STATE_LABELS = {
    "not_started": _("Not started"),
    **dict(FormStatus.choices),
    "not_applicable": _("Not applicable"),
    "overdue": _("Overdue"),
}
PHASES = (
    ("screening", _("Screening")),
    ("treatment", _("FOLFOX treatment")),
    ("closing", _("End of treatment")),
    ("maintenance", _("Capecitabine maintenance")),
    ("follow_up", _("Follow-up")),
    ("any", _("Unscheduled visits")),
)
# Scheduled forms in the order the protocol first asks for them.
FORM_ORDER = tuple(dict.fromkeys(code for v in protocol.VISITS for code in v.forms))


@dataclass
class Cell:
    state: str
    url: str = ""
    queries: int = 0
    count: int = 0
    title: str = ""

    @property
    def label(self):
        return STATE_LABELS[self.state]


@dataclass
class VisitRow:
    visit: Visit
    cells: list[Cell | None]


@dataclass
class Entry:
    crf: Crf
    summary: str
    url: str
    queries: int


@dataclass
class Log:
    code: str
    title: str
    name: str
    entries: list[Entry] = field(default_factory=list)
    add_url: str = ""
    list_url: str = ""

    @property
    def open_queries(self):
        return sum(e.queries for e in self.entries)

    @property
    def latest(self):
        return self.entries[-LOG_PREVIEW:][::-1]


def summary(crf: Crf) -> str:
    names = SUMMARY_ITEMS.get(crf.FORM_CODE, ())
    parts = []
    for name in names:
        model_field = crf._meta.get_field(name)
        value = getattr(crf, model_field.attname)
        if value not in (None, ""):
            shown = display_value(model_field, value)
            if name == "aetoxgr":
                shown = gettext("grade %(grade)s") % {"grade": shown}
            parts.append(shown)
    return " · ".join(parts) or heading(crf._meta.verbose_name)


def edit_url(patient, crf: Crf) -> str:
    return reverse(
        "ecrf:form_edit",
        kwargs={"subject_id": patient.subject_id, "form_code": crf.FORM_CODE, "pk": crf.pk},
    )


def new_url(patient, form_code: str, visit: Visit | None = None) -> str:
    url = reverse(
        "ecrf:form_new", kwargs={"subject_id": patient.subject_id, "form_code": form_code}
    )
    return f"{url}?visit={visit.pk}" if visit else url


def list_url(patient, form_code: str) -> str:
    return reverse(
        "ecrf:form_list", kwargs={"subject_id": patient.subject_id, "form_code": form_code}
    )


def signed_title(crf: Crf, patient) -> str:
    """A signed form's cell says who signed and when, with the site's zone."""
    if crf.signed_at is None or crf.signed_by is None:
        return ""
    return gettext("Signed by %(name)s at %(time)s") % {
        "name": signatures.printed_name(crf.signed_by),
        "time": signatures.stamp(crf.signed_at, patient.site.zone),
    }


def sign_casebook_offer(user, patient, forms) -> dict | None:
    """The casebook's signing box for an investigator at the patient's site."""
    if not access.can(user, workflow.SIGN.action, patient.site_id):
        return None
    every = [crf for instances in forms.values() for crf in instances]
    locked = services.signing_locked_until(user)
    return {
        "refusal": services.casebook_refusal(patient, every),
        "locked": services.signing_locked_message(locked) if locked else "",
        "waiting": sum(
            1 for crf in every if workflow.refusal_for(workflow.SIGN, crf, patient=patient) is None
        ),
        "meaning": signatures.meaning_text(signatures.MEANING),
        "form": SignCasebookForm(),
    }


def cell_for(visit, instances, *, today, may_enter, patient, code, queries) -> Cell:
    if instances:
        first = instances[0]
        url = edit_url(patient, first) if len(instances) == 1 else list_url(patient, code)
        n = sum(queries.get((code, crf.pk), 0) for crf in instances)
        return Cell(
            state=first.status,
            url=url,
            queries=n,
            count=len(instances),
            title=signed_title(first, patient) if len(instances) == 1 else "",
        )
    if not visit.applicable or visit.not_done_reason:
        return Cell(state="not_applicable")
    # An unscheduled visit has no window to miss: its forms are simply not started.
    late = not visit.unscheduled and visit.window_end and visit.window_end < today
    state = "overdue" if late else "not_started"
    return Cell(state=state, url=new_url(patient, code, visit) if may_enter else "")


def visit_grid(patient, visits, forms, *, today, may_enter, queries):
    """Rows of visits by columns of forms, grouped by phase of the study."""
    by_visit: dict[tuple[str, int | None], list[Crf]] = defaultdict(list)
    for code, instances in forms.items():
        for crf in instances:
            by_visit[(code, crf.visit_id)].append(crf)
    # A form entered before its visit existed (the consent form) belongs to that visit.
    for code in FORM_ORDER:
        unassigned = by_visit.pop((code, None), [])
        for visit in visits:
            if unassigned and code in visit.expected_forms and not by_visit[(code, visit.pk)]:
                by_visit[(code, visit.pk)] = unassigned
                unassigned = []
    groups = []
    for phase, title in PHASES:
        phase_visits = [v for v in visits if v.phase == phase]
        if not phase_visits:
            continue
        columns = [c for c in FORM_ORDER if any(c in v.expected_forms for v in phase_visits)]
        rows = []
        for visit in phase_visits:
            cells = [
                cell_for(
                    visit,
                    by_visit.get((code, visit.pk), []),
                    today=today,
                    may_enter=may_enter,
                    patient=patient,
                    code=code,
                    queries=queries,
                )
                if code in visit.expected_forms
                else None
                for code in columns
            ]
            rows.append(VisitRow(visit=visit, cells=cells))
        groups.append(
            {
                "phase": phase,
                "title": title,
                "columns": [heading(FORMS_BY_CODE[c]._meta.verbose_name) for c in columns],
                "rows": rows,
            }
        )
    return groups


def event_logs(patient, forms, *, may_enter, queries) -> list[Log]:
    logs = []
    for code in EVENT_FORMS:
        model = FORMS_BY_CODE[code]
        entries = [
            Entry(
                crf=crf,
                summary=summary(crf),
                url=edit_url(patient, crf),
                queries=queries.get((code, crf.pk), 0),
            )
            for crf in forms[code]
        ]
        may_add = may_enter and (model.REPEATING or not entries)
        logs.append(
            Log(
                code=code,
                title=heading(
                    model._meta.verbose_name_plural if model.REPEATING else model._meta.verbose_name
                ),
                name=model._meta.verbose_name,
                entries=entries,
                add_url=new_url(patient, code) if may_add else "",
                list_url=list_url(patient, code),
            )
        )
    return logs


def forms_of_visit(groups, visit) -> list[tuple[str, Cell]]:
    """(form title, cell) of one visit's expected forms, for the next-visit box."""
    if visit is None:
        return []
    for group in groups:
        for row in group["rows"]:
            if row.visit.pk == visit.pk:
                return [(t, c) for t, c in zip(group["columns"], row.cells, strict=True) if c]
    return []


def may_enter_for(user, patient) -> bool:
    """Whether the casebook offers this user data entry: their role, and a patient not
    withdrawn as entered in error."""
    return access.can(user, Action.ENTER, patient.site_id) and not patient.entered_in_error


@login_required
def casebook(request, subject_id):
    patient = access.get_patient_for(request.user, subject_id=subject_id)
    today = patient.site.local_date()
    may_enter = may_enter_for(request.user, patient)
    facts = patient_state.facts_for(patient)
    visits = selectors.visits_of(request.user, patient, today=today)
    forms = selectors.live_forms(patient)
    queries = selectors.open_query_counts(request.user, patient)
    groups = visit_grid(patient, visits, forms, today=today, may_enter=may_enter, queries=queries)
    next_visit = selectors.next_expected_visit(patient, today=today)
    logs = event_logs(patient, forms, may_enter=may_enter, queries=queries)
    context = {
        "patient": patient,
        "facts": facts,
        "arm_label": TreatmentArm(facts.arm.value).label if facts.arm else "",
        "next_visit": next_visit,
        "next_forms": forms_of_visit(groups, next_visit),
        "today": today,
        "groups": groups,
        "logs": logs,
        "quick_add": [log for log in logs if log.code in QUICK_ADD and log.add_url],
        "may_enter": may_enter,
        "open_queries": sum(queries.values()),
        "consent_url": new_url(patient, "consent") if may_enter and not visits else "",
        "states": [(state, label) for state, label in STATE_LABELS.items()],
        "sign_casebook": sign_casebook_offer(request.user, patient, forms),
    }
    return render(request, "ecrf/entry/casebook.html", context)


@login_required
def form_list(request, subject_id, form_code):
    """Every instance of one form for the patient, withdrawn ones included for the record."""
    model = crf_model(form_code)
    patient = access.get_patient_for(request.user, subject_id=subject_id)
    may_enter = may_enter_for(request.user, patient)
    instances = selectors.form_instances(request.user, patient, model)
    queries = selectors.open_query_counts(request.user, patient)
    live = [crf for crf in instances if not crf.entered_in_error]
    entries = [
        Entry(
            crf=crf,
            summary=summary(crf),
            url=edit_url(patient, crf),
            queries=queries.get((form_code, crf.pk), 0),
        )
        for crf in instances
    ]
    context = {
        "patient": patient,
        "title": heading(model._meta.verbose_name_plural),
        "form_code": form_code,
        "entries": entries,
        "add_url": new_url(patient, form_code)
        if may_enter and (model.REPEATING or not live)
        else "",
    }
    return render(request, "ecrf/entry/form_list.html", context)
