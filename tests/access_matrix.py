"""The access matrix: every page of the project, every persona, the status they must get.

Each area declares ACCESS_MATRIX in a module tests/**/test_access_*.py:

    ACCESS_MATRIX = {
        "ecrf:casebook": Page(kwargs=lambda w: {"subject_id": w.pat_s01.subject_id},
                              expect={"inv_s01": 200, "inv_s02": 404, ...}),
    }

Personas not listed in `expect` must get `default` (404: a page about S01 data does not
exist for S02 staff). tests/test_access_matrix.py runs every cell and fails for any
project URL that no module lists, so a new page without a check fails by itself.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

PERSONAS = (
    "inv_s01",
    "coord_s01",
    "mon_s01",
    "dm_s01",
    "inv_s02",
    "coord_s02",
    "mon_s02",
    "datamanager",
    "admin_user",
)


@dataclass(frozen=True)
class Page:
    kwargs: Callable = lambda w: {}
    expect: dict[str, int] = field(default_factory=dict)
    default: int = 404
    method: str = "get"
    data: Callable = lambda w: {}
    anonymous: int = 302

    def status_for(self, persona: str) -> int:
        return self.expect.get(persona, self.default)
