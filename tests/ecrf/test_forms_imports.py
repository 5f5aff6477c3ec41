"""The modules of ecrf.forms import each other in one direction only: no module imports a
module that imports it back, not even inside a function."""

import ast
from pathlib import Path

import pytest

import ecrf.forms

PACKAGE = Path(ecrf.forms.__file__).parent
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def imported_siblings(module: str) -> set[str]:
    """The modules of ecrf.forms that a module imports, at the top or inside a function."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(alias.name for alias in node.names)
            elif (node.module or "").startswith("ecrf.forms."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found.update(
                a.name.split(".")[2] for a in node.names if a.name.startswith("ecrf.forms.")
            )
    return found & set(MODULES)


def reachable(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for sibling in imported_siblings(todo.pop()):
            if sibling not in seen:
                seen.add(sibling)
                todo.append(sibling)
    return seen


@pytest.mark.parametrize("module", MODULES)
def test_no_module_of_the_forms_imports_itself_back(module):
    assert module not in reachable(module)


def test_the_crf_form_does_not_import_the_adverse_event_form():
    assert "adverse_event" not in imported_siblings("crf")
    assert "crf" in imported_siblings("adverse_event")
