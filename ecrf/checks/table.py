"""The table of checks: every check in the casebook's order, by form, and as the
markdown of docs/edit-checks.md."""

from collections.abc import Mapping

from django.utils import translation

# Importing a family of checks registers its checks.
from . import (  # noqa: F401
    adverse_events,
    capecitabine,
    consent,
    ctdna,
    cycles,
    dates,
    eligibility,
    folfox,
    outcomes,
    ranges,
    start_and_end,
    treatment,
)
from .registry import FORM_CODES, REGISTRY, CheckDef, Finding, FormContext

# The order of the table of checks: roughly the order of the forms in the casebook.
CHECK_GROUPS = (
    "GEN",
    "CO",
    "DM",
    "EL",
    "LR",
    "PS",
    "VS",
    "LB",
    "CT",
    "MH",
    "CM",
    "AE",
    "TRT",
    "FX",
    "CP",
    "SV",
    "DT",
    "ES",
    "RC",
)


def _table_order(c: CheckDef) -> tuple[int, int]:
    group = c.check_id.rstrip("0123456789")
    return CHECK_GROUPS.index(group), int(c.check_id[len(group) :])


REGISTRY.sort(key=_table_order)

CHECKS: dict[str, tuple[CheckDef, ...]] = {
    code: tuple(c for c in REGISTRY if code in c.forms) for code in FORM_CODES
}


def check_form(form_code: str, values: Mapping, ctx: FormContext) -> list[Finding]:
    """Every finding of the form's checks, hard and soft, in the registry's order."""
    try:
        checks = CHECKS[form_code]
    except KeyError:
        raise ValueError(f"No form with the code {form_code!r}.") from None
    return [finding for c in checks for finding in c.run(form_code, values, ctx)]


def _forms_in_words(forms: tuple[str, ...]) -> str:
    if set(forms) == set(FORM_CODES):
        return "all forms"
    left_out = [code for code in FORM_CODES if code not in forms]
    if len(left_out) < len(forms):
        return "all forms except " + ", ".join(f"`{code}`" for code in left_out)
    return ", ".join(f"`{code}`" for code in forms)


def checks_table_markdown() -> str:
    """docs/edit-checks.md: one row per check, in the order they run."""
    lines = [
        "# Edit checks",
        "",
        "Generated from `ecrf.checks.CHECKS` by `checks_table_markdown()`; do not edit by",
        "hand (`tests/ecrf/test_checks.py` fails when this file is out of date).",
        "",
        "A hard check refuses the save. A soft check lets the form be saved and records a",
        "finding that stays open until someone gives a reason or answers a query. Items",
        "that are not entered are not checked.",
        "",
        "| Check | Form | Item | Hard/soft | Rule |",
        "|---|---|---|---|---|",
    ]
    with translation.override("en"):
        for c in REGISTRY:
            cells = (
                c.check_id,
                _forms_in_words(c.forms),
                c.item,
                "hard" if c.hard else "soft",
                str(c.rule),
            )
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
