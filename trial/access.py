"""Who may see what, and do what: the one place that answers it.

Every view, admin class, export, report and command takes its querysets from here.
Rules:
- a user sees only the sites of their active memberships (study-wide data managers and
  superusers see every site);
- an object outside those sites does not exist for the user (404);
- an object the user may see but not act on is forbidden (403).
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from .models import Membership, Patient, Role, Site


class Action(StrEnum):
    VIEW = "view"  # read patients and their forms
    ENTER = "enter"  # enter and edit data, register and randomize patients
    ANSWER = "answer"  # answer queries
    SIGN = "sign"  # e-sign forms and casebooks
    VERIFY = "verify"  # source-data verification
    QUERY = "query"  # raise and close queries
    AUDIT = "audit"  # read the audit trail
    LOCK = "lock"  # lock and unlock forms
    EXPORT = "export"  # export data
    ALLOCATION = "allocation"  # read and manage the randomization list


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.INVESTIGATOR: frozenset(
        {Action.VIEW, Action.ENTER, Action.ANSWER, Action.SIGN, Action.AUDIT}
    ),
    Role.COORDINATOR: frozenset({Action.VIEW, Action.ENTER, Action.ANSWER, Action.AUDIT}),
    Role.MONITOR: frozenset({Action.VIEW, Action.VERIFY, Action.QUERY, Action.AUDIT}),
    Role.DATA_MANAGER: frozenset(
        {Action.VIEW, Action.QUERY, Action.AUDIT, Action.LOCK, Action.EXPORT}
    ),
}
# Administrators manage sites and accounts; they read everything but enter no data.
SUPERUSER_ACTIONS = frozenset({Action.VIEW, Action.AUDIT, Action.EXPORT, Action.LOCK})
# Only study-wide data managers (and superusers) may touch the allocation list.
STUDY_WIDE_ONLY = frozenset({Action.ALLOCATION})


def _memberships(user) -> list[Membership]:
    """Active memberships, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_trial_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user, active=True).select_related("site"))
        user._trial_memberships = cached
    return cached


def is_study_wide(user) -> bool:
    """Superusers and data managers without a site see the whole study."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(m.site_id is None for m in _memberships(user))


def actions_at(user, site_id: int | None) -> frozenset[Action]:
    """The actions a user may take at a site (site_id None: the study-wide actions)."""
    allowed: set[Action] = set()
    if getattr(user, "is_superuser", False) and user.is_active:
        allowed |= SUPERUSER_ACTIONS | STUDY_WIDE_ONLY
    for m in _memberships(user):
        if m.site_id is None:
            allowed |= ROLE_ACTIONS[m.role] | STUDY_WIDE_ONLY
        elif m.site_id == site_id and m.site.active:
            allowed |= ROLE_ACTIONS[m.role]
    return frozenset(allowed)


def can(user, action: Action | str, site: Site | int | None = None) -> bool:
    site_id = site.pk if isinstance(site, Site) else site
    return Action(action) in actions_at(user, site_id)


def can_anywhere(user, action: Action | str) -> bool:
    """Whether the user may take the action at some site (no query: memberships are cached)."""
    action = Action(action)
    if action in actions_at(user, None):
        return True
    return any(
        m.site_id is not None and m.site.active and action in ROLE_ACTIONS[m.role]
        for m in _memberships(user)
    )


def holds_role(user, role: Role | str) -> bool:
    """Whether the user holds the role at some site or study-wide (active memberships)."""
    return any(m.role == role for m in _memberships(user))


def roles_by_site(user) -> list[tuple[Site | None, str]]:
    """(site, role label) pairs for the page header; site None means whole study."""
    return [(m.site, m.get_role_display()) for m in _memberships(user)]


def sites_for(user, *, action: Action | str = Action.VIEW) -> QuerySet[Site]:
    action = Action(action)
    if action in actions_at(user, None):
        return Site.objects.all()
    ids = [
        m.site_id
        for m in _memberships(user)
        if m.site_id is not None and m.site.active and action in ROLE_ACTIONS[m.role]
    ]
    return Site.objects.filter(pk__in=ids)


def visible_sites(user) -> QuerySet[Site]:
    return sites_for(user, action=Action.VIEW)


def scope(queryset: QuerySet, user, *, site_field: str = "site", action=Action.VIEW):
    """Restrict any queryset of site-bound records to the user's sites for an action."""
    action = Action(action)
    if action in actions_at(user, None):
        return queryset
    return queryset.filter(**{f"{site_field}__in": sites_for(user, action=action)})


def patients_for(user, *, action: Action | str = Action.VIEW) -> QuerySet[Patient]:
    return scope(Patient.objects.select_related("site"), user, action=action)


def get_for(user, queryset: QuerySet, *, action=Action.VIEW, site_field="site", **lookup):
    """One record: 404 outside the user's sites, 403 when visible but not allowed."""
    try:
        obj = scope(queryset, user, site_field=site_field).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404(f"No {queryset.model._meta.verbose_name} found.") from exc
    if not can(user, action, _site_id(obj, site_field)):
        raise PermissionDenied
    return obj


def get_patient_for(user, pk=None, *, action: Action | str = Action.VIEW, **lookup) -> Patient:
    """404 when outside the user's sites; 403 when visible but not allowed."""
    if pk is not None:
        lookup["pk"] = pk
    return get_for(user, Patient.objects.select_related("site"), action=action, **lookup)


def require(user, action: Action | str, site: Site | int | None) -> None:
    if not can(user, action, site):
        raise PermissionDenied


def _site_id(obj: Model, site_field: str) -> int:
    for part in site_field.split("__")[:-1]:
        obj = getattr(obj, part)
    return getattr(obj, site_field.split("__")[-1] + "_id")
