"""The demo sites and accounts of DESIGN.md's demo data contract."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from .history import record_save
from .models import Membership, Role, Site

DEMO_SITES = (
    ("S01", "Sun Yat-sen University Cancer Center", "China", "Asia/Shanghai"),
    ("S02", "Sixth Affiliated Hospital, Sun Yat-sen University", "China", "Asia/Shanghai"),
)
DEMO_USERS = (
    # username, site code (None: whole study), role, staff
    ("investigator1", "S01", Role.INVESTIGATOR, False),
    ("coordinator1", "S01", Role.COORDINATOR, False),
    ("monitor1", "S01", Role.MONITOR, False),
    ("investigator2", "S02", Role.INVESTIGATOR, False),
    ("coordinator2", "S02", Role.COORDINATOR, False),
    ("monitor2", "S02", Role.MONITOR, False),
    ("datamanager", None, Role.DATA_MANAGER, True),
)
DEMO_ADMIN = "admin"
DEMO_USERNAMES = frozenset([username for username, *_ in DEMO_USERS] + [DEMO_ADMIN])


@transaction.atomic
def create_demo_accounts(*, acting_user) -> dict[str, Site]:
    """Sites S01 and S02 and the demo users; running it again changes nothing."""
    User = get_user_model()
    sites = {}
    for code, name, country, tz in DEMO_SITES:
        site = Site.objects.filter(code=code).first()
        if site is None:
            site = record_save(
                Site(code=code, name=name, country=country, time_zone=tz),
                acting_user=acting_user,
                reason="Demo data",
            )
        sites[code] = site
    for username, code, role, staff in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": staff, "email": f"{username}@example.org"}
        )
        if created:
            user.set_password(settings.DEMO_PASSWORD)
            user.save()
        site = sites[code] if code else None
        if not Membership.objects.filter(user=user, site=site, role=role).exists():
            record_save(
                Membership(user=user, site=site, role=role),
                acting_user=acting_user,
                reason="Demo data",
            )
    if not User.objects.filter(username=DEMO_ADMIN).exists():
        User.objects.create_superuser(DEMO_ADMIN, "admin@example.org", settings.DEMO_PASSWORD)
    return sites
