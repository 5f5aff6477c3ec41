"""Django's migrate, as the owner of the tables when MIGRATE_DATABASE_URL is set, followed by
the runtime role's grants so that the tables a migration adds get them too."""

from django.core.management.base import CommandError
from django.core.management.commands import migrate

from trial.dbroles import RoleError, connected_as_owner, grant_runtime_role


class Command(migrate.Command):
    help = (
        "Django's migrate. With MIGRATE_DATABASE_URL set it connects as that owner and then "
        "grants DATABASE_URL's runtime role its privileges again (see grant_runtime_role)."
    )

    def handle(self, *args, **options):
        database = options["database"]
        with connected_as_owner(database) as runtime_role:
            super().handle(*args, **options)
            if runtime_role is None:
                return
            try:
                grants = grant_runtime_role(runtime_role, using=database)
            except RoleError as exc:
                raise CommandError(str(exc)) from exc
        if options["verbosity"] >= 1:
            self.stdout.write(grants.summary())
