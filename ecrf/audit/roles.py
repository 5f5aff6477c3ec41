"""The role shown beside a change: the one the user held at the site when they made it."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from trial.history import SYSTEM_USERNAME
from trial.models import Membership, Role


@dataclass
class Roles:
    """The roles of the users of a page: each membership's states over time (from its
    history) and, for memberships with no history, as they are now."""

    timeline: dict[int, list[tuple]] = field(default_factory=dict)
    current: dict[int, list[tuple[int | None, str]]] = field(default_factory=dict)

    def at(self, user_id: int, site_id, when: datetime) -> list[str]:
        """The roles the user held at the site (or study-wide) when the change was made."""
        states: dict[int, tuple] = {}
        for membership_id, site, role, held, since in self.timeline.get(user_id, []):
            if since > when:
                break
            states[membership_id] = (site, role, held)
        if not states:  # no recorded membership yet then: as recorded now
            return [
                label for where, label in self.current.get(user_id, []) if where in (site_id, None)
            ]
        return [
            str(Role(role).label)
            for where, role, held in states.values()
            if held and where in (site_id, None)
        ]


def roles_of(user_ids) -> Roles:
    """The memberships of these users, now and over time: two queries."""
    roles = Roles(timeline=defaultdict(list), current=defaultdict(list))
    ids = {pk for pk in user_ids if pk}
    if not ids:
        return roles
    for membership in Membership.objects.filter(user_id__in=ids).order_by("pk"):
        roles.current[membership.user_id].append(
            (membership.site_id, membership.get_role_display())
        )
    history = Membership.history.model.objects.filter(user_id__in=ids).order_by(
        "history_date", "history_id"
    )
    for row in history.values_list(
        "id", "user_id", "site_id", "role", "active", "history_type", "history_date"
    ):
        membership_id, user_id, site_id, role, active, kind, since = row
        roles.timeline[user_id].append(
            (membership_id, site_id, role, active and kind != "-", since)
        )
    return roles


def role_of(user, site_id, roles: Roles, when: datetime) -> str:
    """The user's roles at the site when the change was made, as the trail shows them."""
    if user is None:
        return ""
    if user.get_username() == SYSTEM_USERNAME and not user.is_active:
        return _("System")
    held = roles.at(user.pk, site_id, when)
    if user.is_superuser:
        held.append(_("Administrator"))
    return ", ".join(dict.fromkeys(str(label) for label in held))
