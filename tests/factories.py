"""Factories for trial objects; patients are registered through the real service."""

import factory
from django.contrib.auth import get_user_model

from trial.history import record_save, system_user
from trial.models import Membership, Site

PASSWORD = "test-pass-2026"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:02d}")
    name = factory.LazyAttribute(lambda o: f"Hospital {o.code}")
    country = "China"
    # UTC, so that a test's "today" is the site's; tests of other zones set one explicitly.
    time_zone = "UTC"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def member(username: str, role: str, site: Site | None, **user_fields):
    """A user holding one role at a site (or study-wide when site is None)."""
    user = UserFactory(username=username, **user_fields)
    record_save(Membership(user=user, site=site, role=role), acting_user=system_user())
    return user


def make_patient(site: Site, *, acting_user=None, **fields):
    """A registered patient with the screening visit open, as the registration page does."""
    from ecrf import patient_state
    from trial.patients import register_patient

    defaults = {"sex": "F", "birth_year": 1970}
    defaults.update(fields)
    user = acting_user or system_user()
    patient = register_patient(site=site, acting_user=user, **defaults)
    patient_state.refresh(patient, acting_user=user)
    return patient
