"""Write the study dataset (tables, data dictionary, manifest) as one ZIP; the export is logged
once the file is written, or as failed."""

import os
import time
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from ecrf.exports.dataset import FORMATS, MANIFEST_FILE, start_export
from trial import access
from trial.access import Action
from trial.management.commands._acting_user import acting_user


class Command(BaseCommand):
    # The system checks load every URL, view and admin module: a second the export does not
    # need. `manage.py check` (and make test) run them.
    requires_system_checks = []
    help = (
        "Write the study dataset of a data manager's sites as one ZIP: one table per form and "
        "one of patients, the data dictionary and a manifest. The export is logged."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=sorted(FORMATS), default="csv")
        parser.add_argument("--site", help="One site code (default: every site of the user).")
        parser.add_argument("--out", type=Path, help="ZIP to write (default: the export's name).")
        parser.add_argument(
            "--user",
            help="The data manager the export is for: it holds their sites and is logged "
            "under their name.",
        )

    def handle(self, *args, format, site, out, user, **options):
        exporter = acting_user(user)
        chosen_site = None
        if site:
            sites = access.sites_for(exporter, action=Action.EXPORT)
            chosen_site = sites.filter(code=site).first()
            if chosen_site is None:
                raise CommandError(f"{site} is not one of the sites {exporter} may export.")
        try:
            export = start_export(user=exporter, format=format, site=chosen_site)
        except PermissionDenied as exc:
            raise CommandError(
                f"{exporter} may not export the dataset (data managers and administrators may); "
                "name one with --user."
            ) from exc
        started = time.perf_counter()
        out = out or Path(export.filename)
        partial = out.with_name(out.name + ".part")
        # Readable by the owner only: the file holds patient data.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                export.write_to(handle)  # logged as an export once written whole
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(
                f"The export could not be written ({error}); it is in the access log as failed."
            ) from error
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(out)
        for table in export.manifest["tables"]:
            self.stderr.write(f"{table['file']}: {table['rows']} rows")
        seconds = time.perf_counter() - started
        self.stderr.write(f"Dataset written to {out} in {seconds:.2f} s (see {MANIFEST_FILE}).")
