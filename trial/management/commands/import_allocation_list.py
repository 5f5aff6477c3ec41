"""Import a statistician's allocation list (CSV: stratum, position, arm) and store it."""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from trial import randomization

from ._acting_user import acting_user


class Command(BaseCommand):
    help = (
        "Validate and store an allocation list file; nothing is stored when any line is wrong. "
        "See docs/randomization.md for the format."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--user", required=True, help="A study-wide data manager.")
        parser.add_argument("--reason", default="", help="Recorded with the list.")

    def handle(self, *args, path, user, reason, **options):
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            stored = randomization.import_allocation_list(
                content=content, file_name=path.name, acting_user=acting_user(user), reason=reason
            )
        except (randomization.AllocationListInvalid, PermissionDenied) as exc:
            raise CommandError(f"{path} was not imported:\n{exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Allocation list {stored.pk} stored from {path.name}: "
                f"{stored.strata.count()} strata (SHA-256 {stored.file_sha256})."
            )
        )
