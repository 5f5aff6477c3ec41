"""From screening to an allocated arm: the gate's facts come from the completed forms."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from trial import access, patients, protocol, randomization
from trial.access import Action
from trial.models import Patient, PatientStatus, Site
from trial.randomization import RandomizationFacts, Refusal, RefusalCode, Strata

from . import patient_state, services
from .models import (
    DONE_STATUSES,
    FORMS_BY_CODE,
    Consent,
    CtdnaSample,
    Eligibility,
    EndOfStudy,
    LiverResection,
    PerformanceStatus,
    Visit,
)
from .models.base import YesNoUnknown
from .models.baseline import MetastasisTiming
from .models.ctdna import CtdnaResult, CtdnaTimepoint
from .models.outcomes import EndOfStudyReason

ANSWERS = {YesNoUnknown.YES: "yes", YesNoUnknown.NO: "no", YesNoUnknown.UNKNOWN: "unknown"}


def _completed(model, patient):
    return (
        model.objects.filter(patient=patient, entered_in_error=False, status__in=DONE_STATUSES)
        .order_by("-pk")
        .first()
    )


def _postoperative_ctdna_positive(patient: Patient) -> bool | None:
    """True when a completed post-surgery result is positive; None when none is recorded."""
    results = set(
        CtdnaSample.objects.filter(
            patient=patient,
            entered_in_error=False,
            status__in=DONE_STATUSES,
            timepoint=CtdnaTimepoint.POST_SURGERY,
        ).values_list("result", flat=True)
    )
    if not results:
        return None
    return CtdnaResult.POSITIVE in results


def randomization_facts(patient: Patient, *, today: date | None = None) -> RandomizationFacts:
    """What the completed screening forms say; drafts do not count."""
    consent = _completed(Consent, patient)
    eligibility = _completed(Eligibility, patient)
    resection = _completed(LiverResection, patient)
    performance = _completed(PerformanceStatus, patient)

    def answers(codes):
        if eligibility is None:
            return {}
        return {code.upper(): ANSWERS.get(getattr(eligibility, code)) for code in codes}

    return RandomizationFacts(
        consent_date=consent.dsstdat if consent else None,
        today=today or patient.site.local_date(),
        inclusion=answers(Eligibility.INCLUSION),
        exclusion=answers(Eligibility.EXCLUSION),
        birth_year=patient.birth_year,
        resection_margin=resection.margin if resection else None,
        ablation_used=resection.ablation if resection else None,
        ecog=performance.ecog if performance else None,
        asa=performance.asa if performance else None,
        postoperative_ctdna_positive=_postoperative_ctdna_positive(patient),
        already_randomized=randomization.randomization_of(patient) is not None,
    )


def strata_for(patient: Patient) -> Strata | None:
    resection = _completed(LiverResection, patient)
    if resection is None or not resection.timing:
        return None
    return Strata(synchronous_metastases=resection.timing == MetastasisTiming.SYNCHRONOUS)


def stratum_of(patient: Patient) -> str | None:
    """The stratum key the patient would be randomized in, once the resection form says."""
    strata = strata_for(patient)
    if strata is None:
        return None
    return randomization.stratum_key(patient.site.code, strata.synchronous_metastases)


# Blocking criteria: each refusal with the form that puts it right ---------------------------

FORM_TO_FIX: dict[RefusalCode, str] = {
    RefusalCode.CONSENT_MISSING: Consent.FORM_CODE,
    RefusalCode.CONSENT_AFTER_TODAY: Consent.FORM_CODE,
    RefusalCode.INCLUSION_NOT_MET: Eligibility.FORM_CODE,
    RefusalCode.EXCLUSION_NOT_RULED_OUT: Eligibility.FORM_CODE,
    RefusalCode.RESECTION_NOT_R0: LiverResection.FORM_CODE,
    RefusalCode.PERFORMANCE_STATUS: PerformanceStatus.FORM_CODE,
    RefusalCode.CTDNA_NOT_POSITIVE: CtdnaSample.FORM_CODE,
}
# The one instance of a repeating form that the gate reads.
GATE_INSTANCE = {CtdnaSample.FORM_CODE: {"timepoint": CtdnaTimepoint.POST_SURGERY}}


@dataclass(frozen=True)
class Blocker:
    """A refusal of the gate and the form where it is put right ("" when no form can)."""

    code: RefusalCode
    message: str
    criterion: str = ""
    form_code: str = ""
    form_name: str = ""
    form_pk: int | None = None  # the form to correct; None when it is still to be entered


def form_name(form_code: str) -> str:
    """The form's name as a heading: 'Informed consent', but 'ctDNA sample' kept as it is."""
    name = str(FORMS_BY_CODE[form_code]._meta.verbose_name)
    if any(c.isupper() for c in name.split(" ")[0]):
        return name
    return name[:1].upper() + name[1:]


def _form_to_fix(patient: Patient, form_code: str) -> int | None:
    model = FORMS_BY_CODE[form_code]
    return (
        model.objects.filter(patient=patient, entered_in_error=False)
        .filter(**GATE_INSTANCE.get(form_code, {}))
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )


def blocking_criteria(patient: Patient, *, today: date | None = None) -> list[Blocker]:
    """Everything that still stands between this patient and randomization."""
    refusals: list[Refusal] = randomization.randomization_refusals(
        randomization_facts(patient, today=today)
    )
    # The gate's checks of the patient record, so the page lists all randomize_patient refuses.
    codes = {r.code for r in refusals}
    refusals += [r for r in randomization.patient_refusals(patient) if r.code not in codes]
    found: dict[str, int | None] = {}
    blockers = []
    for refusal in refusals:
        form_code = FORM_TO_FIX.get(refusal.code, "")
        if form_code and form_code not in found:
            found[form_code] = _form_to_fix(patient, form_code)
        blockers.append(
            Blocker(
                code=refusal.code,
                message=refusal.message,
                criterion=refusal.criterion,
                form_code=form_code,
                form_name=form_name(form_code) if form_code else "",
                form_pk=found.get(form_code),
            )
        )
    return blockers


@dataclass(frozen=True)
class ScreeningForm:
    """One form of the screening visit and how far it is."""

    form_code: str
    name: str
    status: str  # a FormStatus value; "" when not entered
    status_label: str
    pk: int | None

    @property
    def done(self) -> bool:
        return self.status in DONE_STATUSES


def screening_checklist(patient: Patient) -> list[ScreeningForm]:
    """The protocol's screening forms in order, each with its latest live instance."""
    checklist = []
    for form_code in protocol.SCREENING_FORMS:
        model = FORMS_BY_CODE[form_code]
        latest = (
            model.objects.filter(patient=patient, entered_in_error=False)
            .filter(**GATE_INSTANCE.get(form_code, {}))
            .order_by("-pk")
            .first()
        )
        checklist.append(
            ScreeningForm(
                form_code,
                form_name(form_code),
                latest.status if latest else "",
                latest.get_status_display() if latest else _("Not entered"),
                latest.pk if latest else None,
            )
        )
    return checklist


def screening_visit(patient: Patient) -> Visit | None:
    return Visit.objects.filter(patient=patient, code="SCR", unscheduled=False).first()


def visit_schedule(patient: Patient):
    """The visits the protocol now expects of the patient, in order."""
    return Visit.objects.filter(patient=patient, applicable=True, unscheduled=False).order_by(
        "sequence", "target_date", "pk"
    )


# Writes --------------------------------------------------------------------------------------


@transaction.atomic
def register_patient(
    *, site: Site, sex: str, birth_year: int, screening_number: str = "", acting_user
) -> Patient:
    """Give a patient at one of the user's sites the next subject ID and a screening visit."""
    access.require(acting_user, Action.ENTER, site)
    patient = patients.register_patient(
        site=site,
        sex=sex,
        birth_year=birth_year,
        screening_number=screening_number,
        acting_user=acting_user,
    )
    patient_state.refresh(patient, acting_user=acting_user)
    return patient


def randomize(*, patient: Patient, acting_user, request=None):
    """Randomize through the trial's gate and allocation, then open the treatment schedule."""
    strata = strata_for(patient) or Strata(synchronous_metastases=False)
    result = randomization.randomize_patient(
        patient=patient,
        facts=randomization_facts(patient),
        strata=strata,
        acting_user=acting_user,
        request=request,
    )
    with transaction.atomic():
        patient_state.refresh(patient, acting_user=acting_user)
    return result


@transaction.atomic
def record_screen_failure(*, patient: Patient, acting_user, failure_date: date, reason: str):
    """A patient who will not be randomized leaves the study as a screen failure.

    The patient's row is locked first, as randomization locks it, so the two never both
    succeed. Raises services.TransitionRefused for a patient no longer in screening.
    """
    access.require(acting_user, Action.ENTER, patient.site_id)
    patient = (
        Patient.objects.select_for_update(of=("self",)).select_related("site").get(pk=patient.pk)
    )
    if patient.status != PatientStatus.SCREENING or randomization.randomization_of(patient):
        raise services.TransitionRefused(
            _("%(subject)s is %(status)s, so a screen failure can no longer be recorded.")
            % {"subject": patient.subject_id, "status": patient.get_status_display().lower()}
        )
    return services.crf_create(
        model=EndOfStudy,
        patient=patient,
        acting_user=acting_user,
        complete=True,
        data={
            "dsstdat": failure_date,
            "dsdecod": EndOfStudyReason.SCREEN_FAILURE,
            "dsterm": reason,
        },
    )
