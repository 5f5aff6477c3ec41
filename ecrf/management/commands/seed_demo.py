"""Load the demo study: two sites, the demo accounts and patients in every state."""

from django.core.management.base import BaseCommand

from ecrf.demo import seed_demo_study
from trial.history import system_user


class Command(BaseCommand):
    help = "Create the demo sites, users and patients (idempotent)."

    def handle(self, *args, **options):
        summary = seed_demo_study(acting_user=system_user())
        self.stdout.write(self.style.SUCCESS(summary))
