"""Generate the concealed allocation list of some sites' strata from a seed and store it."""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from trial import protocol, randomization
from trial.models import Site

from ._acting_user import acting_user


def site_codes(value: str) -> list[str]:
    return [code.strip().upper() for code in value.split(",") if code.strip()]


class Command(BaseCommand):
    help = (
        "Generate stratified permuted-block lists (blocks of "
        f"{', '.join(map(str, protocol.BLOCK_SIZES))}) for the strata of the given sites "
        "(default: every active site) and store them; the list itself is not printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, required=True, help="Keep it secret.")
        parser.add_argument("--per-stratum", type=int, required=True, dest="per_stratum")
        parser.add_argument("--sites", type=site_codes, help="Site codes, e.g. S01,S02.")
        parser.add_argument("--user", help="Acting user name (default: the system account).")
        parser.add_argument("--reason", default="", help="Recorded with the list.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the list as CSV instead of storing it (to reproduce a list).",
        )

    def handle(self, *args, seed, per_stratum, sites, user, reason, dry_run, **options):
        if dry_run:
            codes = sites or list(Site.objects.filter(active=True).values_list("code", flat=True))
            try:
                planned = randomization.generate_list(
                    seed=seed, strata=randomization.strata_of_sites(codes), per_stratum=per_stratum
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(randomization.planned_csv(planned), ending="")
            return
        try:
            stored = randomization.generate_allocation_list(
                seed=seed,
                per_stratum=per_stratum,
                site_codes=sites,
                acting_user=acting_user(user),
                reason=reason,
            )
        except (randomization.AllocationListInvalid, PermissionDenied) as exc:
            raise CommandError(str(exc)) from exc
        strata = stored.strata.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Allocation list {stored.pk} stored: {strata} strata x {per_stratum} entries."
            )
        )
