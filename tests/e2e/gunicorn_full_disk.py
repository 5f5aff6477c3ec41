"""gunicorn settings for a browser test: once its worker has started, the worker's disk fills
up after the study dataset's first two CSV tables, while the ZIP is being sent."""

import errno
import os

workers = 1
timeout = 120


def post_worker_init(worker):
    from ecrf.exports import csv

    write = csv.write

    def full_disk_after_two_tables(archive, tables, scope):
        yield from write(archive, tables[:2], scope)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    csv.write = full_disk_after_two_tables
