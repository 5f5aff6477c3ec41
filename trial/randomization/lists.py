"""Managing the allocation lists: generate, import, extend and export them, and resolve
the data managers' alerts. Only study-wide data managers and the system account do."""

import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from trial import access, protocol
from trial.access import Action
from trial.accesslog import log_access
from trial.history import SYSTEM_USERNAME, record_save
from trial.models import (
    AccessAction,
    AlertKind,
    AllocationEntry,
    AllocationList,
    AllocationSource,
    AllocationStratum,
    DataManagerAlert,
    Site,
)

from .blocks import PlannedEntry, extension_list, generate_list
from .errors import AllocationListInvalid
from .list_file import CSV_COLUMNS, allocation_csv, parse_allocation_csv
from .strata import parse_stratum_key, strata_of_sites

# Log lines name the package, whichever of its modules writes them.
logger = logging.getLogger("trial.randomization")


def may_manage_allocation(user) -> bool:
    """Study-wide data managers and superusers; the system account when a command runs."""
    is_system = user.get_username() == SYSTEM_USERNAME and not user.is_active
    return is_system or access.can(user, Action.ALLOCATION)


def require_allocation_rights(user) -> None:
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
    require_allocation_rights(acting_user)
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
    require_allocation_rights(acting_user)
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
    require_allocation_rights(acting_user)
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


def resolve_alert(*, alert: DataManagerAlert, acting_user, reason: str) -> DataManagerAlert:
    """Close an alert with what was done about it."""
    require_allocation_rights(acting_user)
    if not reason.strip():
        raise ValidationError(_("Say how the alert was resolved."))
    alert.resolved_at = timezone.now()
    alert.resolved_by = acting_user
    alert.resolution = reason.strip()
    return record_save(alert, acting_user=acting_user, reason=reason.strip())
