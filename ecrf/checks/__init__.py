"""Edit checks: the rules a form's values must meet, within the form and across forms.

registry.py says what a check is and reads the values; one module per family of forms holds
its checks; table.py puts them in the casebook's order, gives check_form() the checks of a
form and writes docs/edit-checks.md with checks_table_markdown().
"""

from .outcomes import RECURRENCE_SITE_ITEMS
from .ranges import LAB_UNITS
from .registry import CheckDef, Finding, FormContext
from .table import CHECKS, check_form, checks_table_markdown

__all__ = [
    "CHECKS",
    "LAB_UNITS",
    "RECURRENCE_SITE_ITEMS",
    "CheckDef",
    "Finding",
    "FormContext",
    "check_form",
    "checks_table_markdown",
]
