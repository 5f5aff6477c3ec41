"""Add entries to the end of one stratum's concealed allocation list from a new seed."""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max

from trial import protocol, randomization
from trial.models import AllocationStratum

from ._acting_user import acting_user


class Command(BaseCommand):
    help = (
        "Extend one stratum (e.g. 'S01|synchronous') with permuted blocks of "
        f"{', '.join(map(str, protocol.BLOCK_SIZES))} drawn from a new seed, numbered on from "
        "its last entry; the entries are not printed. A study-wide data manager's decision, "
        "with a reason."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stratum", required=True, help="The stratum key, e.g. S01|synchronous."
        )
        parser.add_argument("--seed", type=int, required=True, help="A new seed; keep it secret.")
        parser.add_argument("--entries", type=int, required=True)
        parser.add_argument("--reason", default="", help="Required; recorded with the extension.")
        parser.add_argument("--user", help="Acting user name (default: the system account).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the extension as CSV instead of storing it (to reproduce one).",
        )
        parser.add_argument(
            "--after",
            type=int,
            help="With --dry-run: the stratum's last position before the extension (default: "
            "its last position now), to reproduce an extension already stored.",
        )

    def handle(self, *args, stratum, seed, entries, reason, user, dry_run, after, **options):
        if dry_run:
            self.stdout.write(self._reproduced(stratum, seed, entries, after), ending="")
            return
        try:
            extension = randomization.extend_stratum(
                key=stratum,
                seed=seed,
                entries=entries,
                acting_user=acting_user(user),
                reason=reason,
            )
        except (randomization.AllocationListInvalid, PermissionDenied) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Stratum {stratum} extended by {entries} entries (allocation list {extension.pk})."
            )
        )

    def _reproduced(self, key, seed, entries, after) -> str:
        stored = AllocationStratum.objects.filter(key=key).first()
        if after is None:
            if stored is None:
                raise CommandError(f"Stratum {key} has no list; give --after.")
            after = stored.entries.aggregate(last=Max("position"))["last"] or 0
        blocks = 0
        if stored is not None:
            blocks = (
                stored.entries.filter(position__lte=after).aggregate(last=Max("block"))["last"] or 0
            )
        try:
            planned = randomization.extension_list(
                key, seed=seed, size=entries, after_position=after, after_block=blocks
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        return randomization.planned_csv(planned)
