"""Give the application's runtime role exactly its privileges; run by the owner of the tables."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from trial.dbroles import RoleError, connected_as_owner, grant_runtime_role


class Command(BaseCommand):
    help = (
        "Grant the runtime role SELECT and INSERT on the history and access-log tables, SELECT, "
        "INSERT, UPDATE and DELETE on the others, and revoke the rest (idempotent). Connects as "
        "MIGRATE_DATABASE_URL's owner when set; migrate runs it by itself then."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--role",
            help="The runtime role (default: the user of DATABASE_URL, when MIGRATE_DATABASE_URL "
            "names the owner).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, role, database, **options):
        with connected_as_owner(database) as runtime_role:
            role = role or runtime_role
            if not role:
                raise CommandError(
                    "Name the runtime role with --role, or set MIGRATE_DATABASE_URL to the "
                    "owner's URL so that DATABASE_URL's user is the runtime role."
                )
            try:
                grants = grant_runtime_role(role, using=database)
            except RoleError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(grants.summary())
