"""Load the demo study: two sites, the demo accounts and patients in every state."""

from django.core.management.base import BaseCommand, CommandError

from trial.history import system_user


class Command(BaseCommand):
    help = "Create the demo sites, users and patients (idempotent)."

    def handle(self, *args, **options):
        try:
            from ecrf.demo import seed_demo_study
        except ModuleNotFoundError as missing:
            # time-machine comes with the demo extra (requirements/run.txt), not the app.
            raise CommandError(
                f"The demo study needs {missing.name}: install requirements/run.txt "
                "or the package's 'demo' extra."
            ) from missing
        summary = seed_demo_study(acting_user=system_user())
        self.stdout.write(self.style.SUCCESS(summary))
