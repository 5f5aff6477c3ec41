"""Text that a spreadsheet shows as text and never evaluates (OWASP "CSV injection").

A spreadsheet reads a cell that starts with =, +, -, @, a tab or a carriage return as a
formula, so a value typed into a form could run as one in the file a data manager opens.
Every CSV and Excel file the application writes (admin lists, the study dataset, the audit
trail) passes its text values through `neutralised`: such a value gets a leading single quote.
A value that already starts with quotes before one of those characters gets one more, so the
rule can be undone exactly: `restored` removes the first quote again. Numbers, dates and other
typed values are never passed through it.
"""

import re

from django.utils.translation import gettext_lazy as _

FORMULA_STARTS = "=+-@\t\r"
QUOTE = "'"
# One or more quotes are allowed before the character, so that the rule can be undone.
_NEEDS_QUOTE = re.compile(f"{QUOTE}*[{re.escape(FORMULA_STARTS)}]")
_QUOTED = re.compile(f"{QUOTE}+[{re.escape(FORMULA_STARTS)}]")

RULE = _(
    "CSV and Excel files: a text value that starts with =, +, -, @, a tab or a carriage return "
    "(after any single quotes) is written with one more single quote (') in front, so that a "
    "spreadsheet shows it as text and never runs it as a formula; remove that first quote to "
    "get the stored value."
)


def neutralised(text: str) -> str:
    """The text as a CSV or Excel cell holds it: with a quote before a formula's start."""
    return QUOTE + text if _NEEDS_QUOTE.match(text) else text


def restored(cell: str) -> str:
    """The stored text back from a cell written by `neutralised`."""
    return cell[1:] if _QUOTED.match(cell) else cell
