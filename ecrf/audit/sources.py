"""The audited models as the trail reads them, and the choices of its form and item filters."""

from dataclasses import dataclass
from functools import cached_property

from django.db import models

from trial.models import Membership, Patient, Randomization, RandomizationCorrection, Site

from ..display import heading
from ..models import CRF_MODELS, CheckFinding, Crf, Query, Signature, Visit

# Bookkeeping that every history row carries anyway (time, user) or that never changes.
RECORD_HIDDEN = frozenset(
    {"id", "version", "created_at", "created_by", "updated_at", "updated_by", "site", "patient"}
)
REFERENCE_HIDDEN = RECORD_HIDDEN | {"form_type", "form_id"}


@dataclass(frozen=True)
class Source:
    """One audited model as the trail reads it."""

    key: str  # the form code of a CRF, or the record kind
    model: type[models.Model]
    patient_path: str | None  # from the history row to the patient's id
    site_path: str  # from the history row to the site's id
    subject_path: str | None  # from the history row to the subject ID
    site_code_path: str | None
    hidden: frozenset[str] = RECORD_HIDDEN
    item_reference: bool = False  # queries and findings: the field filter means their item

    @cached_property
    def history(self) -> type[models.Model]:
        # Model.history builds a new manager class on every access (simple-history's
        # descriptor): read it once per source, not once per query of every page.
        return self.model.history.model

    @property
    def label(self) -> str:
        return str(heading(self.model._meta.verbose_name))

    @property
    def is_crf(self) -> bool:
        return issubclass(self.model, Crf)

    def fields(self) -> list[models.Field]:
        return [f for f in self.model._meta.concrete_fields if f.name not in self.hidden]


def _patient_source(key, model, **kwargs) -> Source:
    return Source(
        key,
        model,
        patient_path="patient_id",
        site_path="site",
        subject_path="patient__subject_id",
        site_code_path="site__code",
        **kwargs,
    )


SOURCES: tuple[Source, ...] = (
    Source(
        "patient",
        Patient,
        patient_path="id",
        site_path="site",
        subject_path="subject_id",
        site_code_path="site__code",
    ),
    _patient_source("visit", Visit),
    *(_patient_source(model.FORM_CODE, model) for model in CRF_MODELS),
    _patient_source("query", Query, hidden=REFERENCE_HIDDEN, item_reference=True),
    _patient_source("finding", CheckFinding, hidden=REFERENCE_HIDDEN, item_reference=True),
    _patient_source(
        "signature",
        Signature,
        hidden=REFERENCE_HIDDEN | {"field_name", "signed_at"},
        item_reference=True,
    ),
    _patient_source("randomization", Randomization, hidden=RECORD_HIDDEN | {"entry"}),
    Source(
        "randomization_correction",
        RandomizationCorrection,
        patient_path="randomization__patient_id",
        site_path="randomization__site",
        subject_path="randomization__patient__subject_id",
        site_code_path="randomization__site__code",
        hidden=RECORD_HIDDEN | {"recorded_at"},
    ),
    # Site-level records: in the trail of a site and of the study, not of a patient.
    Source(
        "site", Site, patient_path=None, site_path="id", subject_path=None, site_code_path="code"
    ),
    Source(
        "membership",
        Membership,
        patient_path=None,
        site_path="site",
        subject_path=None,
        site_code_path="site__code",
        hidden=frozenset({"id"}),
    ),
)
SOURCE_INDEX = {source.key: index for index, source in enumerate(SOURCES)}
SOURCES_BY_KEY = {source.key: source for source in SOURCES}
PATIENT_SOURCES = tuple(s for s in SOURCES if s.patient_path)


def form_choices(*, patient_level: bool = True) -> list[tuple[str, str]]:
    sources = PATIENT_SOURCES if patient_level else SOURCES
    return [(s.key, s.label) for s in sources]


def field_choices(form: str = "") -> list[tuple[str, str]]:
    """The items one may filter on: those of one form, or of every patient-level form."""
    sources = [SOURCES_BY_KEY[form]] if form in SOURCES_BY_KEY else PATIENT_SOURCES
    seen: dict[str, str] = {}
    for source in sources:
        if source.item_reference and form != source.key:
            continue
        for f in source.fields():
            seen.setdefault(f.name, str(heading(f.verbose_name)))
    return sorted(seen.items(), key=lambda item: str(item[1]).lower())
