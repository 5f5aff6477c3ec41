"""No path around the audit trail: the application never writes tracked tables in bulk.

QuerySet.update(), bulk_create(), bulk_update(), raw SQL (Manager.raw, connection.cursor)
and simple-history's switches (skip_history_when_saving, disable_history) write without a
history row. This test reads the source of trial/ and ecrf/ and fails with the location of
each use, unless the use is allow-listed below with the reason it leaves no gap.
"""

import ast
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("trial", "ecrf")

ALWAYS_FLAGGED_CALLS = {"bulk_create", "bulk_update", "raw", "cursor"}
QUERYSET_CALLS = {"update"}
HISTORY_SWITCHES = {"skip_history_when_saving", "disable_history"}
# Attributes and helpers whose result is a queryset or a manager.
QUERYSET_MARKERS = {
    "objects",
    "_default_manager",
    "_base_manager",
    "history",
    "all",
    "filter",
    "exclude",
    "select_for_update",
    "select_related",
    "prefetch_related",
    "order_by",
    "annotate",
    "alias",
    "values",
    "values_list",
    "distinct",
    "only",
    "defer",
    "using",
    "none",
    "get_queryset",
    "scope",
    "patients_for",
    "sites_for",
    "visible_sites",
}

# (file, enclosing function, call) -> why it leaves no gap in the trail.
ALLOWED = {
    ("trial/randomization/lists.py", "_write_entries", "bulk_create"): (
        "AllocationEntry is untracked by design: entries are written once with their list or "
        "extension, whose load is in AllocationList's history, and a trigger keeps them final"
    ),
    ("trial/views.py", "healthz", "cursor"): "the liveness probe runs SELECT 1 on no table",
    ("trial/lockout.py", "one_attempt_at_a_time", "cursor"): (
        "pg_advisory_xact_lock makes login attempts wait for each other; it writes no table"
    ),
    ("ecrf/exports/dataset.py", "_snapshot", "cursor"): (
        "makes the export's transaction READ ONLY; it writes nothing"
    ),
    ("ecrf/exports/csv.py", "_copy", "cursor"): (
        "COPY (a scoped SELECT) TO STDOUT reads the export; it writes nothing"
    ),
    ("trial/dbroles.py", "grant_runtime_role", "cursor"): (
        "reads the catalogue and grants or revokes privileges; it writes no table's rows"
    ),
}


def _model_names() -> set[str]:
    return {model.__name__ for model in apps.get_models()}


class BypassFinder(ast.NodeVisitor):
    def __init__(self, path: str, model_names: set[str]):
        self.path = path
        self.model_names = model_names
        self.queryset_names: set[str] = set()
        self.function = "<module>"
        self.found: list[tuple[str, str, str, int, str]] = []

    def scan(self, tree: ast.AST):
        for node in ast.walk(tree):
            value = getattr(node, "value", None)
            if isinstance(node, ast.Assign | ast.AnnAssign) and value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if self._queryset_like(value):
                    self.queryset_names |= {t.id for t in targets if isinstance(t, ast.Name)}
        self.visit(tree)
        return self.found

    def _queryset_like(self, node) -> bool:
        while True:
            if isinstance(node, ast.Attribute):
                if node.attr in QUERYSET_MARKERS:
                    return True
                node = node.value
            elif isinstance(node, ast.Call):
                if isinstance(node.func, ast.Name) and node.func.id in QUERYSET_MARKERS:
                    return True
                node = node.func
            elif isinstance(node, ast.Subscript):
                node = node.value
            elif isinstance(node, ast.Name):
                return node.id in self.model_names or node.id in self.queryset_names
            else:
                return False

    def _root_model(self, node) -> str:
        while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
            node = node.func if isinstance(node, ast.Call) else node.value
        if isinstance(node, ast.Name) and node.id in self.model_names:
            return node.id
        return "a queryset of an unknown model"

    def _enter(self, node):
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_FunctionDef = visit_AsyncFunctionDef = _enter

    def _record(self, node, what: str, detail: str):
        self.found.append((self.path, self.function, what, node.lineno, detail))

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr in ALWAYS_FLAGGED_CALLS:
                self._record(node, func.attr, f".{func.attr}() on {self._root_model(func.value)}")
            elif func.attr in QUERYSET_CALLS and self._queryset_like(func.value):
                self._record(node, func.attr, f".{func.attr}() on {self._root_model(func.value)}")
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr in HISTORY_SWITCHES:
            self._record(node, node.attr, f"{node.attr} switches history off")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in HISTORY_SWITCHES:
            self._record(node, node.id, f"{node.id} switches history off")

    def visit_ImportFrom(self, node):
        for alias in node.names:
            if alias.name in HISTORY_SWITCHES:
                self._record(node, alias.name, f"imports {alias.name}")


def find_bypasses(source: str, path: str = "<test>", model_names=None):
    finder = BypassFinder(path, _model_names() if model_names is None else model_names)
    return finder.scan(ast.parse(source, filename=path))


def _application_files():
    for package in SCANNED:
        yield from sorted((ROOT / package).rglob("*.py"))


def test_no_write_bypasses_the_history():
    found = []
    for file in _application_files():
        path = file.relative_to(ROOT).as_posix()
        for path_, function, what, line, detail in find_bypasses(file.read_text(), path):
            if (path_, function, what) not in ALLOWED:
                found.append(f"{path_}:{line} in {function}(): {detail}")
    assert not found, "writes that leave no history row:\n" + "\n".join(found)


# The scanner itself ------------------------------------------------------------------------

SAMPLE = """
from simple_history.utils import disable_history

def save_many(patients):
    Patient.objects.filter(site=1).update(status="x")
    qs = Visit.objects.all()
    qs.update(applicable=False)
    type(crf).objects.filter(pk=1).update(version=2)
    Query.objects.bulk_create([])
    FolfoxCycle.objects.bulk_update([], ["weight"])
    Patient.objects.raw("SELECT 1")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE trial_patient SET sex = 'F'")
    crf.skip_history_when_saving = True

def harmless(data):
    data.update({"a": 1})
    locals().update({})
    context = {}
    context.update(x=1)
    errors.setdefault("x", []).append("y")
"""


def test_the_scanner_finds_each_kind_of_bypass():
    found = find_bypasses(SAMPLE, model_names={"Patient", "Visit", "Query", "FolfoxCycle"})
    assert [(function, what, line) for _path, function, what, line, _ in found] == [
        ("<module>", "disable_history", 2),
        ("save_many", "update", 5),
        ("save_many", "update", 7),
        ("save_many", "update", 8),
        ("save_many", "bulk_create", 9),
        ("save_many", "bulk_update", 10),
        ("save_many", "raw", 11),
        ("save_many", "cursor", 12),
        ("save_many", "skip_history_when_saving", 14),
    ]
    assert "on Patient" in found[1][4]
    assert "unknown model" in found[3][4]
