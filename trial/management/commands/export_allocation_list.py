"""Export the whole allocation list as CSV for a study-wide data manager; the export is logged."""

import os
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from trial import randomization

from ._acting_user import acting_user


class Command(BaseCommand):
    help = "Write the allocation list (used and unused entries) as CSV; logged in the access log."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="A study-wide data manager.")
        parser.add_argument("--out", type=Path, help="File to write (default: standard output).")

    def handle(self, *args, user, out, **options):
        try:
            text = randomization.export_allocation_list(acting_user=acting_user(user))
        except PermissionDenied as exc:
            raise CommandError(
                f"{user} may not export the allocation list (study-wide data managers only)."
            ) from exc
        if out is None:
            self.stdout.write(text, ending="")
            return
        # Readable by the owner only: the file holds future allocations.
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        self.stderr.write(f"Allocation list written to {out}.")
