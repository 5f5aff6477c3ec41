"""What the SAS, Stata and SPSS files share: a table read into typed columns, value labels.

pyreadstat writes from a DataFrame, so one table at a time is held in memory while its file is
written (numbers and dates as float arrays); the file goes to a temporary folder and is then
copied into the ZIP. Dates are numbers in the package's own calendar with a date format, so a
date column stays a date even when it holds no value.
"""

import math
from collections.abc import Callable, Iterator, Sequence
from datetime import date

import numpy as np
import pandas as pd
from django.utils.encoding import force_str

from .tables import Column, Output, Scope, Table, chunks

MISSING = math.nan


def _number(value):
    return MISSING if value is None else float(value)


def _text(value):
    return "" if value is None else str(value)


def _date_converter(epoch: date, unit: float) -> Callable:
    def convert(value):
        return MISSING if value is None else (value - epoch).days * unit

    return convert


def is_number(output: Output) -> bool:
    return not output.decoded and output.column.type in ("integer", "decimal", "boolean", "date")


def read_frame(
    table: Table, scope: Scope, outputs: Sequence[Output], *, epoch: date, seconds: bool = False
) -> Iterator[None]:
    """Yields after each chunk of rows; returns the DataFrame (use `yield from`)."""
    to_date = _date_converter(epoch, 86400.0 if seconds else 1.0)
    converters = [
        to_date if not o.decoded and o.column.type == "date" else _number if is_number(o) else _text
        for o in outputs
    ]
    columns: list[list] = [[] for _ in outputs]
    for batch in chunks(table.rows(scope, outputs)):
        by_column = zip(*batch, strict=True)
        for values, convert, batch_values in zip(columns, converters, by_column, strict=True):
            values.extend(map(convert, batch_values))
        yield
    data = {}
    for output, values in zip(outputs, columns, strict=True):
        if is_number(output):
            data[output.name] = np.asarray(values, dtype="float64")
        else:
            data[output.name] = pd.Series(values, dtype=object)
    return pd.DataFrame(data, columns=[o.name for o in outputs])


def date_formats(outputs: Sequence[Output], date_format: str) -> dict[str, str]:
    return {o.name: date_format for o in outputs if not o.decoded and o.column.type == "date"}


def value_labels(column: Column) -> dict:
    """Stored value (as the file holds it) -> label; booleans are 1 and 0."""
    return {file_value(column, code): force_str(label) for code, label in column.choices}


def fit(text: str, limit: int) -> str:
    """The text cut to at most limit bytes of UTF-8, without splitting a character."""
    encoded = str(text).encode("utf-8")
    if len(encoded) <= limit:
        return str(text)
    return encoded[:limit].decode("utf-8", errors="ignore")


def file_value(column: Column, code):
    """A code as a file stores it: text stays text, numbers and booleans become floats."""
    if column.type in ("integer", "decimal", "boolean"):
        return float(code)
    return str(code)
