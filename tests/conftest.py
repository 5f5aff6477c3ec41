"""Personas and shared fixtures. Tests read as sentences: inv_s01 cannot see pat_s02."""

import pytest
from django.conf import settings
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.utils import translation

from tests.clients import Browser
from tests.factories import SiteFactory, UserFactory, make_patient, member
from trial.history import ALLOW_TRUNCATE_SETTING
from trial.models import Role


@receiver(connection_created, dispatch_uid="tests.owner_may_empty_the_trail")
def owner_may_empty_the_trail(sender, connection, **kwargs):
    """pytest-django empties every table with TRUNCATE after each transactional test, which the
    history tables refuse unless the owner's session allows it on purpose."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET {ALLOW_TRUNCATE_SETTING} = on")


@pytest.fixture
def client():
    """pytest-django's client, as the project's Browser (tests/clients.py)."""
    return Browser()


@pytest.fixture(autouse=True)
def english_after_each_test():
    """A request in Chinese leaves Chinese active in the worker; start every test in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def s01(db):
    return SiteFactory(code="S01", name="Site one")


@pytest.fixture
def s02(db):
    return SiteFactory(code="S02", name="Site two")


@pytest.fixture
def inv_s01(s01):
    return member("inv_s01", Role.INVESTIGATOR, s01)


@pytest.fixture
def coord_s01(s01):
    return member("coord_s01", Role.COORDINATOR, s01)


@pytest.fixture
def mon_s01(s01):
    return member("mon_s01", Role.MONITOR, s01)


@pytest.fixture
def inv_s02(s02):
    return member("inv_s02", Role.INVESTIGATOR, s02)


@pytest.fixture
def coord_s02(s02):
    return member("coord_s02", Role.COORDINATOR, s02)


@pytest.fixture
def mon_s02(s02):
    return member("mon_s02", Role.MONITOR, s02)


@pytest.fixture
def datamanager(db):
    return member("datamanager", Role.DATA_MANAGER, None, is_staff=True)


@pytest.fixture
def dm_s01(s01):
    """A data manager whose membership lists only S01."""
    return member("dm_s01", Role.DATA_MANAGER, s01, is_staff=True)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def pat_s01(s01):
    return make_patient(s01)


@pytest.fixture
def pat_s02(s02):
    return make_patient(s02)


@pytest.fixture
def personas(inv_s01, coord_s01, mon_s01, inv_s02, coord_s02, mon_s02, datamanager, dm_s01):
    return {
        "inv_s01": inv_s01,
        "coord_s01": coord_s01,
        "mon_s01": mon_s01,
        "inv_s02": inv_s02,
        "coord_s02": coord_s02,
        "mon_s02": mon_s02,
        "datamanager": datamanager,
        "dm_s01": dm_s01,
    }
