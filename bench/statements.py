"""Print, as JSON, the SQL the CSV export runs through COPY for the study-wide data manager, so
that the benchmark can hand the very same queries to psql."""

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trial.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from ecrf.exports import csv  # noqa: E402
from ecrf.exports.tables import Scope, dataset_tables  # noqa: E402

PREFIX, SUFFIX = "COPY (", ") TO STDOUT (FORMAT csv)"


def main():
    scope = Scope(user=get_user_model().objects.get(username="datamanager"))
    queries = {}
    for table in dataset_tables():
        if csv.can_copy(table):
            statement = csv.copy_statement(table, scope, csv.layout(table))
            queries[table.name] = statement.removeprefix(PREFIX).removesuffix(SUFFIX)
    print(json.dumps(queries))


if __name__ == "__main__":
    main()
