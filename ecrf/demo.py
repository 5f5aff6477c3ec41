"""Demo patients across both sites, built through the same services the pages use."""

from django.db import transaction

from trial.demo import create_demo_accounts
from trial.models import Patient, Sex
from trial.patients import register_patient

DEMO_PATIENTS_PER_SITE = 6


@transaction.atomic
def seed_demo_study(*, acting_user) -> str:
    sites = create_demo_accounts(acting_user=acting_user)
    created = 0
    for n, site in enumerate(sites.values()):
        existing = Patient.objects.filter(site=site).count()
        for i in range(existing, DEMO_PATIENTS_PER_SITE):
            register_patient(
                site=site,
                sex=Sex.MALE if (i + n) % 2 else Sex.FEMALE,
                birth_year=1955 + 3 * i + n,
                screening_number=f"SCR-{site.code}-{i + 1:03d}",
                acting_user=acting_user,
            )
            created += 1
    return f"Demo study ready: {len(sites)} sites, {created} new patients."
