"""Randomization: stratified permuted blocks drawn from a concealed, pre-generated list.

The list is generated ahead from a seed, or imported from a statistician's CSV file, and
stored; nobody but study-wide data managers (access.Action.ALLOCATION) reads unused entries.
A patient who passes the gate takes the lowest unused position of their stratum while the
stratum's row is locked, so simultaneous randomizations never share or skip an entry.
docs/randomization.md describes the commands, the CSV format and how to reproduce a list.

strata.py: the stratum keys; blocks.py: generating a list (pure); list_file.py: the CSV
format (pure); gate.py: who may be randomized (pure); errors.py: why it stopped; lists.py:
storing, extending and exporting lists; allocation.py: randomizing a patient.
"""

from .allocation import arm_of, randomization_of, randomize_patient, record_randomization_correction
from .blocks import PlannedEntry, extension_list, generate_list, stratum_list
from .errors import (
    AllocationListInvalid,
    AllocationUnavailable,
    RandomizationError,
    RandomizationRefused,
    StratumExhausted,
    StratumNotLoaded,
)
from .gate import RandomizationFacts, Refusal, RefusalCode, patient_refusals, randomization_refusals
from .list_file import parse_allocation_csv, planned_csv
from .lists import (
    export_allocation_list,
    extend_stratum,
    generate_allocation_list,
    import_allocation_list,
    may_manage_allocation,
    resolve_alert,
)
from .strata import Strata, parse_stratum_key, strata_of_sites, stratum_key

__all__ = [
    "AllocationListInvalid",
    "AllocationUnavailable",
    "PlannedEntry",
    "RandomizationError",
    "RandomizationFacts",
    "RandomizationRefused",
    "Refusal",
    "RefusalCode",
    "Strata",
    "StratumExhausted",
    "StratumNotLoaded",
    "arm_of",
    "export_allocation_list",
    "extend_stratum",
    "extension_list",
    "generate_allocation_list",
    "generate_list",
    "import_allocation_list",
    "may_manage_allocation",
    "parse_allocation_csv",
    "parse_stratum_key",
    "patient_refusals",
    "planned_csv",
    "randomization_of",
    "randomization_refusals",
    "randomize_patient",
    "record_randomization_correction",
    "resolve_alert",
    "strata_of_sites",
    "stratum_key",
    "stratum_list",
]
