"""Print the data dictionary (CSV) generated from the CRF models."""

from django.core.management.base import BaseCommand

from ecrf.dictionary import dictionary_csv


class Command(BaseCommand):
    help = "Print the data dictionary: form, variable, CDASH name, label, type, unit, code list."

    def add_arguments(self, parser):
        parser.add_argument("--out", help="write to this file instead of standard output")

    def handle(self, *args, out=None, **options):
        text = dictionary_csv()
        if out:
            with open(out, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        else:
            self.stdout.write(text, ending="")
