"""Edit-check findings: recorded when a completed form is saved, explained by the site."""

from django.db import transaction
from django.utils.translation import gettext as _

from trial import access
from trial.access import Action
from trial.history import record_save

from .. import checks
from ..models import Crf
from ..models.workflow import CheckFinding, FindingStatus
from .errors import InvalidData, TransitionRefused, require_within


def record_findings(
    crf: Crf, findings: list[checks.Finding], acting_user, *, changed: list[str] = ()
) -> None:
    """Keep one finding per soft check and item; resolve those that no longer fire.

    An explanation stands while its item keeps the value it explained: once the item is
    changed (any item, for a finding on the whole form), the finding is resolved and, if
    the check still fires, a new one asks for an explanation of the new value.
    """
    standing = CheckFinding.objects.for_form(crf).filter(
        status__in=(FindingStatus.OPEN, FindingStatus.EXPLAINED)
    )
    existing = {(f.check_id, f.field_name): f for f in standing.order_by("created_at")}
    stale = {
        key
        for key, f in existing.items()
        if changed
        and f.status == FindingStatus.EXPLAINED
        and (not f.field_name or f.field_name in changed)
    }
    fired = set()
    for finding in findings:
        key = (finding.check_id, finding.field)
        fired.add(key)
        if key not in existing or key in stale:
            record_save(
                CheckFinding(
                    patient=crf.patient,
                    site=crf.site,
                    form=crf,
                    field_name=finding.field,
                    check_id=finding.check_id,
                    message=finding.message[:400],
                ),
                acting_user=acting_user,
                reason="Edit check fired",
            )
    for key, old in existing.items():
        if key not in fired:
            old.status = FindingStatus.RESOLVED
            record_save(old, acting_user=acting_user, reason="Edit check no longer fires")
        elif key in stale:
            old.status = FindingStatus.RESOLVED
            record_save(old, acting_user=acting_user, reason="Explained value changed")


@transaction.atomic
def explain_finding(*, finding: CheckFinding, acting_user, explanation: str) -> CheckFinding:
    """Site staff say why an unusual value is right; the explanation stands until the
    item is changed. An explanation may be corrected; a resolved finding needs none."""
    access.require(acting_user, Action.ENTER, finding.site_id)
    fresh = CheckFinding.objects.select_for_update().get(pk=finding.pk)
    if fresh.status == FindingStatus.RESOLVED:
        raise TransitionRefused(_("This edit check no longer fires; there is nothing to explain."))
    explanation = explanation.strip()
    if not explanation:
        raise InvalidData({"explanation": [_("Give the explanation.")]})
    require_within(explanation, "explanation", CheckFinding)
    fresh.explanation = explanation
    fresh.status = FindingStatus.EXPLAINED
    return record_save(fresh, acting_user=acting_user, reason="Finding explained")
