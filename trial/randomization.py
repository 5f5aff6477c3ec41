"""Randomization: stratified permuted blocks drawn from a concealed, pre-generated list.

The list is generated ahead from a seed, or imported from a statistician's CSV file, and
stored; nobody but study-wide data managers (access.Action.ALLOCATION) reads unused entries.
A patient who passes the gate takes the lowest unused position of their stratum while the
stratum's row is locked, so simultaneous randomizations never share or skip an entry.
docs/randomization.md describes the commands, the CSV format and how to reproduce a list.
"""

import csv
import hashlib
import io
import logging
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access, protocol
from .access import Action
from .accesslog import log_access
from .history import SYSTEM_USERNAME, record_save
from .models import (
    AccessAction,
    AlertKind,
    AllocationEntry,
    AllocationList,
    AllocationSource,
    AllocationStratum,
    CorrectionKind,
    DataManagerAlert,
    Patient,
    PatientStatus,
    Randomization,
    RandomizationCorrection,
    Site,
)
from .patients import StatusFacts, update_status

logger = logging.getLogger(__name__)

# Strata -------------------------------------------------------------------------------------

if protocol.STRATIFICATION_FACTORS != ("site", "synchronous_metastases"):
    raise ImproperlyConfigured("trial.randomization builds stratum keys for site and timing.")

SYNCHRONOUS, METACHRONOUS = "synchronous", "metachronous"
_SITE_CODE = re.compile(r"[A-Z0-9]{2,8}")  # as the Site.code constraint


@dataclass(frozen=True)
class Strata:
    """The stratification factors besides the site, which is always the patient's own."""

    synchronous_metastases: bool


def stratum_key(site_code: str, synchronous_metastases: bool) -> str:
    """'S01|synchronous' or 'S01|metachronous': factors in protocol.STRATIFICATION_FACTORS order."""
    return f"{site_code}|{SYNCHRONOUS if synchronous_metastases else METACHRONOUS}"


def parse_stratum_key(key: str) -> tuple[str, bool]:
    """(site code, synchronous metastases) of a stratum key; ValueError if it is not one."""
    site_code, _sep, timing = key.partition("|")
    if not _SITE_CODE.fullmatch(site_code) or timing not in (SYNCHRONOUS, METACHRONOUS):
        raise ValueError(key)
    return site_code, timing == SYNCHRONOUS


def strata_of_sites(site_codes: Iterable[str]) -> list[str]:
    return [stratum_key(code, sync) for code in sorted(site_codes) for sync in (True, False)]


# Generating the list (pure) -----------------------------------------------------------------


@dataclass(frozen=True)
class PlannedEntry:
    """One line of an allocation list before it is stored."""

    stratum: str
    position: int
    arm: protocol.Arm
    block: int | None = None
    block_size: int | None = None


def check_block_sizes(
    block_sizes: Sequence[int] = protocol.BLOCK_SIZES,
    ratio: Mapping[protocol.Arm, int] = protocol.ALLOCATION_RATIO,
) -> None:
    """ValueError unless every block holds whole multiples of the allocation ratio."""
    unit = sum(ratio.values())
    smallest = min(block_sizes, default=0)
    if smallest <= 0 or any(size % unit or size % smallest for size in block_sizes):
        raise ValueError(
            f"Block sizes {tuple(block_sizes)} must be positive multiples of the ratio total "
            f"({unit}) and of the smallest block."
        )


def stratum_list(
    stratum: str,
    *,
    seed: int,
    size: int,
    block_sizes: Sequence[int] = protocol.BLOCK_SIZES,
    ratio: Mapping[protocol.Arm, int] = protocol.ALLOCATION_RATIO,
) -> list[PlannedEntry]:
    """The list of one stratum: permuted blocks of randomly chosen sizes, in order.

    Each stratum draws from its own random.Random seeded with the text "<seed>|<stratum>",
    so the same seed and parameters always give the same list, and adding a site later
    leaves the lists of the other sites unchanged. Near the end only blocks that still fit
    are drawn, so the list ends on a complete block.
    """
    check_block_sizes(block_sizes, ratio)
    if size < 0 or size % min(block_sizes):
        raise ValueError(f"{size} entries cannot be cut into blocks of {tuple(block_sizes)}.")
    rng = random.Random(f"{seed}|{stratum}")
    unit = sum(ratio.values())
    entries: list[PlannedEntry] = []
    block = 0
    while len(entries) < size:
        remaining = size - len(entries)
        block_size = rng.choice([b for b in block_sizes if b <= remaining])
        block += 1
        arms = [arm for arm, share in ratio.items() for _ in range(share * block_size // unit)]
        rng.shuffle(arms)
        start = len(entries)
        entries += [
            PlannedEntry(stratum, start + offset, protocol.Arm(arm), block, block_size)
            for offset, arm in enumerate(arms, start=1)
        ]
    return entries


def generate_list(
    *,
    seed: int,
    strata: Iterable[str],
    per_stratum: int,
    block_sizes: Sequence[int] = protocol.BLOCK_SIZES,
    ratio: Mapping[protocol.Arm, int] = protocol.ALLOCATION_RATIO,
) -> list[PlannedEntry]:
    """The lists of several strata, stratum by stratum in key order."""
    return [
        entry
        for key in sorted(set(strata))
        for entry in stratum_list(
            key, seed=seed, size=per_stratum, block_sizes=block_sizes, ratio=ratio
        )
    ]


def extension_list(
    stratum: str,
    *,
    seed: int,
    size: int,
    after_position: int,
    after_block: int,
    block_sizes: Sequence[int] = protocol.BLOCK_SIZES,
    ratio: Mapping[protocol.Arm, int] = protocol.ALLOCATION_RATIO,
) -> list[PlannedEntry]:
    """More entries for a stratum: the list stratum_list draws from a new seed, numbered on
    from the stratum's last position and block, so a statistician reproduces it from the seed,
    the size and the stratum's length before the extension."""
    return [
        PlannedEntry(
            stratum,
            after_position + e.position,
            e.arm,
            after_block + e.block if e.block else None,
            e.block_size,
        )
        for e in stratum_list(stratum, seed=seed, size=size, block_sizes=block_sizes, ratio=ratio)
    ]


# The CSV format (pure) ----------------------------------------------------------------------

CSV_COLUMNS = ("stratum", "position", "arm", "block", "block_size")
REQUIRED_CSV_COLUMNS = ("stratum", "position", "arm")


def parse_allocation_csv(text: str) -> list[PlannedEntry]:
    """Read a list file; AllocationListInvalid names every problem with its line number.

    Columns stratum, position and arm are required; block and block_size are optional and,
    when given, each block must hold block_size entries in the allocation ratio. Positions
    run 1, 2, 3 ... in each stratum, without gaps or repeats. Other columns are ignored.
    """
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise AllocationListInvalid([_("The file is empty.")])
    reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames]
    missing = [col for col in REQUIRED_CSV_COLUMNS if col not in reader.fieldnames]
    if missing:
        raise AllocationListInvalid(
            [_("Line 1: missing column(s): %(columns)s.") % {"columns": ", ".join(missing)}]
        )
    errors: list[str] = []
    entries: list[PlannedEntry] = []
    lines: dict[tuple[str, int], int] = {}
    arms = [arm.value for arm in protocol.Arm]
    for row in reader:
        line = reader.line_num
        values = {col: (row.get(col) or "").strip() for col in CSV_COLUMNS}
        if not any(values.values()):
            continue
        problems = []
        try:
            parse_stratum_key(values["stratum"])
        except ValueError:
            problems.append(
                _("stratum %(value)r is not of the form S01|synchronous or S01|metachronous")
                % {"value": values["stratum"]}
            )
        position = _positive_int(values["position"])
        if position is None:
            problems.append(
                _("position %(value)r is not a whole number from 1") % {"value": values["position"]}
            )
        if values["arm"] not in arms:
            problems.append(
                _("arm %(value)r is not one of %(arms)s")
                % {"value": values["arm"], "arms": ", ".join(arms)}
            )
        block = block_size = None
        for col in ("block", "block_size"):
            if values[col] and _positive_int(values[col]) is None:
                problems.append(
                    _("%(column)s %(value)r is not a whole number from 1")
                    % {"column": col, "value": values[col]}
                )
        if values["block"]:
            block = _positive_int(values["block"])
        if values["block_size"]:
            block_size = _positive_int(values["block_size"])
        if position is not None and not problems:
            earlier = lines.get((values["stratum"], position))
            if earlier:
                problems.append(
                    _("position %(position)d of stratum %(stratum)s is already on line %(line)d")
                    % {"position": position, "stratum": values["stratum"], "line": earlier}
                )
            lines[(values["stratum"], position)] = line
        if problems:
            errors.extend(
                _("Line %(line)d: %(problem)s.") % {"line": line, "problem": p} for p in problems
            )
            continue
        entries.append(
            PlannedEntry(
                values["stratum"], position, protocol.Arm(values["arm"]), block, block_size
            )
        )
    if not errors:
        errors = _consecutive_position_errors(entries) + _block_errors(entries)
    if not errors and not entries:
        errors = [_("The file has no entries.")]
    if errors:
        raise AllocationListInvalid(errors)
    return sorted(entries, key=lambda e: (e.stratum, e.position))


def planned_csv(entries: Iterable[PlannedEntry]) -> str:
    """A planned list as the CSV a statistician reproduces or imports."""
    return allocation_csv(
        [CSV_COLUMNS] + [(e.stratum, e.position, e.arm, e.block, e.block_size) for e in entries]
    )


def allocation_csv(rows: Iterable[Sequence]) -> str:
    """CSV text with a header; rows follow CSV_COLUMNS and may carry extra columns."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue()


def _positive_int(value: str) -> int | None:
    return int(value) if value.isdigit() and int(value) >= 1 else None


def _consecutive_position_errors(entries: list[PlannedEntry]) -> list[str]:
    positions: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        positions[entry.stratum].add(entry.position)
    errors = []
    for stratum, found in sorted(positions.items()):
        gaps = sorted(set(range(1, max(found) + 1)) - found)
        if gaps:
            errors.append(
                _(
                    "Stratum %(stratum)s: positions must run from 1 without gaps; "
                    "missing %(missing)s."
                )
                % {"stratum": stratum, "missing": ", ".join(map(str, gaps[:20]))}
            )
    return errors


def _block_errors(entries: list[PlannedEntry]) -> list[str]:
    blocks: dict[tuple[str, int], list[PlannedEntry]] = defaultdict(list)
    for entry in entries:
        if entry.block is not None:
            blocks[(entry.stratum, entry.block)].append(entry)
    unit = sum(protocol.ALLOCATION_RATIO.values())
    errors = []
    for (stratum, block), members in sorted(blocks.items()):
        size = len(members)
        counts = Counter(member.arm for member in members)
        expected = {arm: share * size // unit for arm, share in protocol.ALLOCATION_RATIO.items()}
        stated = {member.block_size for member in members} - {None}
        if (stated and stated != {size}) or size % unit or counts != Counter(expected):
            errors.append(
                _(
                    "Stratum %(stratum)s, block %(block)d: %(size)d entries with arms "
                    "%(counts)s do not make one balanced block%(stated)s."
                )
                % {
                    "stratum": stratum,
                    "block": block,
                    "size": size,
                    "counts": ", ".join(f"{arm}={counts[arm]}" for arm in protocol.Arm),
                    "stated": f" of {sorted(stated)}" if stated else "",
                }
            )
    return errors


# The gate (pure) ----------------------------------------------------------------------------


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class RefusalCode(StrEnum):
    CONSENT_MISSING = "consent_missing"
    CONSENT_AFTER_TODAY = "consent_after_today"
    INCLUSION_NOT_MET = "inclusion_not_met"
    EXCLUSION_NOT_RULED_OUT = "exclusion_not_ruled_out"
    AGE_UNKNOWN = "age_unknown"
    AGE_OUT_OF_RANGE = "age_out_of_range"
    RESECTION_NOT_R0 = "resection_not_r0"
    PERFORMANCE_STATUS = "performance_status"
    CTDNA_NOT_POSITIVE = "ctdna_not_positive"
    ALREADY_RANDOMIZED = "already_randomized"
    ENTERED_IN_ERROR = "entered_in_error"
    NOT_IN_SCREENING = "not_in_screening"


@dataclass(frozen=True)
class Refusal:
    """Why a patient cannot be randomized; criterion names IN01...EX10 when one failed."""

    code: RefusalCode
    message: str
    criterion: str = ""


@dataclass(frozen=True, kw_only=True)
class RandomizationFacts:
    """What the CRFs say about a patient at randomization, as plain values.

    Anything not recorded is None (or missing from the answers) and refuses randomization.
    """

    consent_date: date | None = None
    today: date
    inclusion: Mapping[str, str] = field(default_factory=dict)  # "IN01" -> yes/no/unknown
    exclusion: Mapping[str, str] = field(default_factory=dict)  # "EX01" -> yes/no/unknown
    birth_year: int | None = None
    resection_margin: str | None = None  # "R0", "R1", "R2"
    ablation_used: bool | None = None  # ablation may complete an R0 resection
    ecog: int | None = None  # 0-5
    asa: int | None = None  # ASA physical status 1-6 (I-VI)
    postoperative_ctdna_positive: bool | None = None
    already_randomized: bool = False


ASA_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}


def age_at_consent(*, birth_year: int, consent_date: date) -> int:
    """Age in whole years as far as it is known: only the year of birth is stored.

    The consent year minus the birth year is the age on or after the birthday and one year
    more before it, so at the limits it can be off by one; the investigator's answer to
    IN01, given from the full date of birth in the source, is checked as well.
    """
    return consent_date.year - birth_year


def randomization_refusals(facts: RandomizationFacts) -> list[Refusal]:
    """Every reason the patient cannot be randomized now; empty when they can."""
    refusals: list[Refusal] = []
    if facts.consent_date is None:
        refusals.append(
            Refusal(
                RefusalCode.CONSENT_MISSING,
                _("Informed consent is not recorded with its date."),
            )
        )
    elif facts.consent_date > facts.today:
        refusals.append(
            Refusal(
                RefusalCode.CONSENT_AFTER_TODAY,
                _("The date of informed consent (%(consent)s) is after today (%(today)s).")
                % {"consent": facts.consent_date.isoformat(), "today": facts.today.isoformat()},
            )
        )
    for code, text in protocol.INCLUSION_CRITERIA:
        answer = _answer(facts.inclusion.get(code))
        if answer != Answer.YES:
            refusals.append(
                Refusal(
                    RefusalCode.INCLUSION_NOT_MET,
                    _("Inclusion criterion %(code)s is not met (answer: %(answer)s): %(text)s.")
                    % {"code": code, "answer": _answer_label(answer), "text": text.rstrip(".")},
                    criterion=code,
                )
            )
    for code, text in protocol.EXCLUSION_CRITERIA:
        answer = _answer(facts.exclusion.get(code))
        if answer != Answer.NO:
            refusals.append(
                Refusal(
                    RefusalCode.EXCLUSION_NOT_RULED_OUT,
                    _(
                        "Exclusion criterion %(code)s is not ruled out (answer: %(answer)s): "
                        "%(text)s."
                    )
                    % {"code": code, "answer": _answer_label(answer), "text": text.rstrip(".")},
                    criterion=code,
                )
            )
    refusals += _age_refusals(facts)
    refusals += _resection_refusals(facts)
    refusals += _performance_refusals(facts)
    if facts.postoperative_ctdna_positive is not True:
        refusals.append(
            Refusal(
                RefusalCode.CTDNA_NOT_POSITIVE,
                _("The postoperative ctDNA result is negative; it must be positive.")
                if facts.postoperative_ctdna_positive is False
                else _("No postoperative ctDNA result is recorded; it must be positive."),
            )
        )
    if facts.already_randomized:
        refusals.append(
            Refusal(
                RefusalCode.ALREADY_RANDOMIZED,
                _("The patient has already been randomized; a randomization is final."),
            )
        )
    return refusals


def _answer(value) -> Answer | None:
    try:
        return Answer(str(value).strip().lower()) if value is not None else None
    except ValueError:
        return None


def _answer_label(answer: Answer | None) -> str:
    return {
        Answer.YES: _("yes"),
        Answer.NO: _("no"),
        Answer.UNKNOWN: _("unknown"),
        None: _("not answered"),
    }[answer]


def _age_refusals(facts: RandomizationFacts) -> list[Refusal]:
    if facts.birth_year is None:
        return [
            Refusal(
                RefusalCode.AGE_UNKNOWN,
                _("The year of birth is not recorded, so the age at consent is unknown."),
            )
        ]
    if facts.consent_date is None:
        return []  # refused for the missing consent already
    age = age_at_consent(birth_year=facts.birth_year, consent_date=facts.consent_date)
    if protocol.AGE_MIN <= age <= protocol.AGE_MAX:
        return []
    return [
        Refusal(
            RefusalCode.AGE_OUT_OF_RANGE,
            _(
                "Age at consent is %(age)d (year of consent %(year)d minus year of birth "
                "%(birth)d); the protocol requires %(min)d to %(max)d years."
            )
            % {
                "age": age,
                "year": facts.consent_date.year,
                "birth": facts.birth_year,
                "min": protocol.AGE_MIN,
                "max": protocol.AGE_MAX,
            },
        )
    ]


def _resection_refusals(facts: RandomizationFacts) -> list[Refusal]:
    margin = (facts.resection_margin or "").strip().upper()
    if margin == "R0":
        return []
    message = (
        _("The resection margin is not recorded; only R0 resections can be randomized.")
        if not margin
        else _(
            "The liver resection was %(margin)s; only R0 resections (with or without "
            "ablation) can be randomized."
        )
        % {"margin": margin}
    )
    return [Refusal(RefusalCode.RESECTION_NOT_R0, message)]


def _performance_refusals(facts: RandomizationFacts) -> list[Refusal]:
    # The protocol's "ASA < IV and/or ECOG <= 2": one of the two is enough.
    ecog_ok = facts.ecog is not None and facts.ecog <= protocol.ECOG_MAX
    asa_ok = facts.asa is not None and facts.asa < protocol.ASA_BELOW
    if ecog_ok or asa_ok:
        return []
    not_recorded = _("not recorded")
    return [
        Refusal(
            RefusalCode.PERFORMANCE_STATUS,
            _(
                "Neither ECOG performance status <= %(ecog_max)d nor ASA grade < %(asa_below)s "
                "(ECOG: %(ecog)s, ASA: %(asa)s); at least one is required."
            )
            % {
                "ecog_max": protocol.ECOG_MAX,
                "asa_below": ASA_ROMAN[protocol.ASA_BELOW],
                "ecog": not_recorded if facts.ecog is None else facts.ecog,
                "asa": not_recorded
                if facts.asa is None
                else ASA_ROMAN.get(facts.asa, str(facts.asa)),
            },
        )
    ]


def patient_refusals(patient: Patient) -> list[Refusal]:
    """What the patient record itself rules out, beyond the CRF facts."""
    refusals = []
    if patient.entered_in_error:
        refusals.append(
            Refusal(
                RefusalCode.ENTERED_IN_ERROR,
                _("The patient record is marked as entered in error."),
            )
        )
    if patient.status != PatientStatus.SCREENING:
        refusals.append(
            Refusal(
                RefusalCode.NOT_IN_SCREENING,
                _("Only patients in screening can be randomized; this patient is %(status)s.")
                % {"status": patient.get_status_display().lower()},
            )
        )
    return refusals


# Errors -------------------------------------------------------------------------------------


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


# Services -----------------------------------------------------------------------------------


def may_manage_allocation(user) -> bool:
    """Study-wide data managers and superusers; the system account when a command runs."""
    is_system = user.get_username() == SYSTEM_USERNAME and not user.is_active
    return is_system or access.can(user, Action.ALLOCATION)


def _require_allocation_rights(user) -> None:
    if not may_manage_allocation(user):
        raise PermissionDenied(_("Only study-wide data managers manage the allocation list."))


def generate_allocation_list(
    *,
    seed: int,
    per_stratum: int,
    acting_user,
    site_codes: Sequence[str] | None = None,
    reason: str = "",
) -> AllocationList:
    """Generate and store the lists of the strata of some sites (default: every active one)."""
    _require_allocation_rights(acting_user)
    if site_codes is None:
        site_codes = list(Site.objects.filter(active=True).values_list("code", flat=True))
    try:
        planned = generate_list(
            seed=seed, strata=strata_of_sites(site_codes), per_stratum=per_stratum
        )
    except ValueError as exc:
        raise AllocationListInvalid([str(exc)]) from exc
    allocation_list = AllocationList(
        source=AllocationSource.GENERATED,
        seed=seed,
        per_stratum=per_stratum,
        block_sizes=",".join(map(str, protocol.BLOCK_SIZES)),
    )
    return _store(allocation_list, planned, acting_user=acting_user, reason=reason or "Generated")


def import_allocation_list(
    *, content: bytes, acting_user, file_name: str = "", reason: str = ""
) -> AllocationList:
    """Validate and store a list file (CSV, UTF-8); nothing is stored if any line is wrong."""
    _require_allocation_rights(acting_user)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AllocationListInvalid([_("The file is not UTF-8 text.")]) from exc
    planned = parse_allocation_csv(text)
    allocation_list = AllocationList(
        source=AllocationSource.IMPORTED,
        file_name=file_name[:255],
        file_sha256=hashlib.sha256(content).hexdigest(),
    )
    return _store(allocation_list, planned, acting_user=acting_user, reason=reason or "Imported")


@transaction.atomic
def _store(
    allocation_list: AllocationList, planned: list[PlannedEntry], *, acting_user, reason: str
) -> AllocationList:
    by_stratum: dict[str, list[PlannedEntry]] = defaultdict(list)
    for entry in planned:
        by_stratum[entry.stratum].append(entry)
    codes = {parse_stratum_key(key)[0] for key in by_stratum}
    sites = {site.code: site for site in Site.objects.filter(code__in=codes)}
    errors = [
        _("Site %(code)s does not exist.") % {"code": code} for code in sorted(codes - set(sites))
    ]
    loaded = AllocationStratum.objects.filter(key__in=by_stratum).values_list("key", flat=True)
    errors += [
        _("Stratum %(stratum)s already has a list; a loaded list is never replaced.")
        % {"stratum": key}
        for key in sorted(loaded)
    ]
    if not by_stratum:
        errors.append(_("The list has no entries."))
    if errors:
        raise AllocationListInvalid(errors)
    allocation_list.created_by = acting_user
    record_save(allocation_list, acting_user=acting_user, reason=reason)
    for key, entries in sorted(by_stratum.items()):
        site_code, synchronous = parse_stratum_key(key)
        stratum = AllocationStratum.objects.create(
            key=key,
            site=sites[site_code],
            synchronous_metastases=synchronous,
            allocation_list=allocation_list,
        )
        _write_entries(stratum, entries)
    logger.info(
        "Allocation list %s stored by %s: %d strata, %d entries",
        allocation_list.pk,
        acting_user.get_username(),
        len(by_stratum),
        len(planned),
    )
    return allocation_list


@transaction.atomic
def extend_stratum(
    *, key: str, seed: int, entries: int, acting_user, reason: str
) -> AllocationList:
    """Add entries to the end of a stratum's list (an exhausted one, or one about to be):
    a deliberate decision, so it needs a reason and a seed never used for the stratum before.
    The stored entries and the allocations made from them do not change."""
    _require_allocation_rights(acting_user)
    reason = reason.strip()
    errors = []
    if not reason:
        errors.append(_("Give the reason for extending the stratum."))
    stratum = AllocationStratum.objects.select_for_update().filter(key=key).first()
    if stratum is None:
        errors.append(_("Stratum %(stratum)s has no list to extend.") % {"stratum": key})
    else:
        used = {stratum.allocation_list.seed, *stratum.extensions.values_list("seed", flat=True)}
        if seed in used:
            errors.append(
                _("Seed %(seed)s was already used for stratum %(stratum)s; choose a new one.")
                % {"seed": seed, "stratum": key}
            )
    if errors:
        raise AllocationListInvalid(errors)
    last = stratum.entries.aggregate(position=Max("position"), block=Max("block"))
    try:
        planned = extension_list(
            key,
            seed=seed,
            size=entries,
            after_position=last["position"] or 0,
            after_block=last["block"] or 0,
        )
    except ValueError as exc:
        raise AllocationListInvalid([str(exc)]) from exc
    if not planned:
        raise AllocationListInvalid([_("The list has no entries.")])
    extension = AllocationList(
        source=AllocationSource.EXTENSION,
        seed=seed,
        per_stratum=entries,
        block_sizes=",".join(map(str, protocol.BLOCK_SIZES)),
        extends=stratum,
        created_by=acting_user,
        reason=reason,
    )
    record_save(extension, acting_user=acting_user, reason=reason)
    _write_entries(stratum, planned)
    # The alerts the exhausted stratum raised are answered by the extension.
    waiting = DataManagerAlert.objects.filter(
        stratum=key, kind=AlertKind.STRATUM_EXHAUSTED, resolved_at__isnull=True
    )
    for alert in waiting.select_for_update():
        resolve_alert(
            alert=alert,
            acting_user=acting_user,
            reason=f"Stratum extended to position {planned[-1].position}: {reason}",
        )
    logger.info(
        "Stratum %s extended by %s: positions %d to %d",
        key,
        acting_user.get_username(),
        planned[0].position,
        planned[-1].position,
    )
    return extension


def _write_entries(stratum: AllocationStratum, entries: list[PlannedEntry]) -> None:
    # Entries are written once and never change; they carry no history rows (the list that
    # brought them has one).
    AllocationEntry.objects.bulk_create(
        [
            AllocationEntry(
                stratum=stratum,
                position=e.position,
                arm=e.arm.value,
                block=e.block,
                block_size=e.block_size,
            )
            for e in entries
        ],
        batch_size=1000,
    )


def export_allocation_list(*, acting_user, request=None) -> str:
    """The whole list as CSV, used entries with their patient; the export is logged."""
    access.require(acting_user, Action.ALLOCATION, None)
    entries = access.scope(
        AllocationEntry.objects.select_related("stratum", "randomization__patient"),
        acting_user,
        site_field="stratum__site",
        action=Action.ALLOCATION,
    ).order_by("stratum__key", "position")
    rows = [(*CSV_COLUMNS, "subject_id", "randomized_at")]
    used = 0
    for entry in entries:
        randomization = getattr(entry, "randomization", None)
        used += randomization is not None
        rows.append(
            (
                entry.stratum.key,
                entry.position,
                entry.arm,
                entry.block or "",
                entry.block_size or "",
                randomization.patient.subject_id if randomization else "",
                randomization.randomized_at.isoformat() if randomization else "",
            )
        )
    log_access(
        action=AccessAction.EXPORT,
        user=acting_user,
        request=request,
        detail=f"Allocation list exported: {len(rows) - 1} entries, {used} used.",
    )
    return allocation_csv(rows)


def randomize_patient(
    *, patient: Patient, facts: RandomizationFacts, strata: Strata, acting_user, request=None
) -> Randomization:
    """Check the gate, then give the patient the next entry of their stratum's list.

    Raises Http404 / PermissionDenied (access), RandomizationRefused (the gate, with every
    refusal), or AllocationUnavailable (no entry left; data managers are alerted). Call it
    outside an open transaction: the alert is written after the allocation rolls back.
    """
    patient = access.get_patient_for(acting_user, patient.pk, action=Action.ENTER)
    if isinstance(strata, Mapping):
        strata = Strata(**strata)
    already = Randomization.objects.filter(patient=patient).exists()
    facts = replace(facts, already_randomized=facts.already_randomized or already)
    refusals = randomization_refusals(facts) + patient_refusals(patient)
    if refusals:
        raise RandomizationRefused(refusals)
    key = stratum_key(patient.site.code, strata.synchronous_metastases)
    try:
        return _allocate(patient=patient, key=key, acting_user=acting_user, request=request)
    except AllocationUnavailable as error:
        _alert_data_managers(error, patient=patient, acting_user=acting_user)
        raise


@transaction.atomic
def _allocate(*, patient: Patient, key: str, acting_user, request) -> Randomization:
    # Lock order: the patient, then the stratum. The stratum lock serializes allocation
    # within a stratum; the next statement then sees every earlier allocation committed.
    # of=self: a plain FOR UPDATE would also lock the joined site row.
    patient = (
        Patient.objects.select_for_update(of=("self",)).select_related("site").get(pk=patient.pk)
    )
    # Re-checked under the lock: a screen failure may have committed since the gate ran.
    refusals = patient_refusals(patient)
    if Randomization.objects.filter(patient=patient).exists():
        refusals.append(
            Refusal(RefusalCode.ALREADY_RANDOMIZED, _("The patient has already been randomized."))
        )
    if refusals:
        raise RandomizationRefused(refusals)
    stratum = AllocationStratum.objects.select_for_update().filter(key=key).first()
    if stratum is None:
        raise StratumNotLoaded(key)
    entry = (
        AllocationEntry.objects.filter(stratum=stratum, randomization__isnull=True)
        .order_by("position")
        .first()
    )
    if entry is None:
        raise StratumExhausted(key)
    randomization = Randomization(
        patient=patient,
        site=patient.site,
        entry=entry,
        arm=entry.arm,
        stratum=key,
        list_position=entry.position,
        randomized_at=timezone.now(),
        randomized_by=acting_user,
    )
    record_save(randomization, acting_user=acting_user, reason="Randomized")
    update_status(
        patient, StatusFacts(randomized=True), acting_user=acting_user, reason="Randomized"
    )
    log_access(
        action=AccessAction.RANDOMIZATION,
        user=acting_user,
        request=request,
        detail=f"{patient.subject_id} randomized in stratum {key}, position {entry.position}.",
        site=patient.site,
    )
    return randomization


def _alert_data_managers(error: AllocationUnavailable, *, patient: Patient, acting_user):
    logger.error(
        "Randomization of %s stopped: %s (stratum %s)", patient.subject_id, error, error.stratum
    )
    record_save(
        DataManagerAlert(
            kind=error.alert_kind,
            site=patient.site,
            stratum=error.stratum,
            patient=patient,
            message=_("Patient %(subject)s could not be randomized. %(error)s")
            % {"subject": patient.subject_id, "error": error},
        ),
        acting_user=acting_user,
        reason="Randomization stopped",
    )


def randomization_of(patient: Patient) -> Randomization | None:
    """The patient's randomization record, or None before randomization."""
    return Randomization.objects.filter(patient_id=patient.pk).first()


def arm_of(patient: Patient) -> protocol.Arm | None:
    """The arm the patient was randomized to (corrections never change it), or None."""
    arm = Randomization.objects.filter(patient_id=patient.pk).values_list("arm", flat=True).first()
    return protocol.Arm(arm) if arm else None


def record_randomization_correction(
    *, randomization: Randomization, kind: CorrectionKind | str, reason: str, acting_user
) -> RandomizationCorrection:
    """A data manager records that a randomization was an error; the original stays as is."""
    _require_allocation_rights(acting_user)
    if not reason.strip():
        raise ValidationError(_("Give the reason for the correction."))
    correction = RandomizationCorrection(
        randomization=randomization,
        kind=CorrectionKind(kind),
        reason=reason.strip(),
        recorded_by=acting_user,
    )
    return record_save(correction, acting_user=acting_user, reason=reason.strip())


def resolve_alert(*, alert: DataManagerAlert, acting_user, reason: str) -> DataManagerAlert:
    """Close an alert with what was done about it."""
    _require_allocation_rights(acting_user)
    if not reason.strip():
        raise ValidationError(_("Say how the alert was resolved."))
    alert.resolved_at = timezone.now()
    alert.resolved_by = acting_user
    alert.resolution = reason.strip()
    return record_save(alert, acting_user=acting_user, reason=reason.strip())
