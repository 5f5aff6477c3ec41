"""The code lists of the dataset: each distinct list of codes and labels once, named.

SAS formats, ODM CodeLists and the value labels of Stata and SPSS are all made from these, so
one list has one name everywhere (its SAS format name, e.g. $AEOUTF; the ODM OID CL.AEOUTF).
"""

from dataclasses import dataclass

from .sasnames import format_names
from .tables import YES_NO, Column, Table


@dataclass(frozen=True)
class Codelist:
    sas_format: str
    data_type: str  # integer, text or boolean, as the dictionary types the columns
    items: tuple[tuple[str, str], ...]

    @property
    def oid(self) -> str:
        return f"CL.{self.sas_format.lstrip('$')}"

    @property
    def character(self) -> bool:
        return self.data_type == "text"


def key(column: Column) -> tuple:
    return (column.type, column.codelist)


def codelists(tables: list[Table]) -> dict[tuple, Codelist]:
    """Every coded column's list, keyed by key(column), in the order first met."""
    first: dict[tuple, Column] = {}
    for table in tables:
        for column in table.columns:
            if column.coded:
                first.setdefault(key(column), column)
    bases = [
        ("YESNO" if column.choices == YES_NO else column.name, column.type == "text")
        for column in first.values()
    ]
    return {
        k: Codelist(sas_format=name, data_type=column.type, items=column.codelist)
        for (k, column), name in zip(first.items(), format_names(bases), strict=True)
    }
