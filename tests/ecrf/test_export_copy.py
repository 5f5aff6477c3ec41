"""Reading COPY's rows: every row once, in order, whether libpq already holds them or they are
still on their way, and a failure mid-stream is an error, never a short file."""

import io

import psycopg
import pytest
from django.db import connection

from ecrf.exports.csv import _drain

pytestmark = pytest.mark.django_db


def drained(statement: str) -> tuple[bytes, int]:
    out = io.BytesIO()
    with connection.cursor() as cursor:
        with cursor.copy(statement) as copy:
            reader = _drain(copy, out)
            try:
                while True:
                    next(reader)
            except StopIteration as end:
                return out.getvalue(), end.value


def test_rows_that_arrive_late_and_rows_already_received_are_all_written():
    # The first row is waited for (psycopg's reader), the others are already in libpq.
    data, rows = drained(
        "COPY (SELECT g FROM generate_series(1, 5) g, LATERAL (SELECT pg_sleep(0.02)) s) TO STDOUT"
    )
    assert rows == 5
    assert data.decode().split() == ["1", "2", "3", "4", "5"]


def test_a_large_table_streams_in_full():
    data, rows = drained("COPY (SELECT g FROM generate_series(1, 20000) g) TO STDOUT")
    assert rows == 20000
    assert data.decode().split() == [str(n) for n in range(1, 20001)]


def test_an_error_after_some_rows_raises():
    with pytest.raises(psycopg.DatabaseError, match="division by zero"):
        drained("COPY (SELECT 1 / (3 - g) FROM generate_series(1, 5) g) TO STDOUT")
