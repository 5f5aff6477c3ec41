"""Reasons the system records are stored in English and shown in the reader's language;
every one the code records is in trial.history.SYSTEM_REASONS."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from trial.history import ADMIN_CHANGED_PREFIX, SYSTEM_REASONS, shown_reason

ROOT = Path(settings.BASE_DIR)
# The calls that put a reason into the audit trail.
RECORDING_CALLS = {"record_save", "_transition", "update_status", "_store"}


def _name(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _strings(node) -> list[str]:
    """The literal texts an expression may give (not the parts of an f-string)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if node.value else []
    if isinstance(node, ast.JoinedStr):
        return []
    return [text for child in ast.iter_child_nodes(node) for text in _strings(child)]


def recorded_reasons() -> dict[str, str]:
    """Every literal reason given to the recording calls, with where it is."""
    found = {}
    for path in [*ROOT.glob("trial/**/*.py"), *ROOT.glob("ecrf/**/*.py")]:
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            values = []
            if isinstance(node, ast.Call) and _name(node.func) in RECORDING_CALLS:
                values = [k.value for k in node.keywords if k.arg == "reason"]
            elif isinstance(node, ast.Call):
                # The steps of the form workflow table (ecrf/workflow.py) carry their reason.
                values = [k.value for k in node.keywords if k.arg == "history_reason"]
            elif isinstance(node, ast.Assign) and any(
                getattr(t, "id", "") == "default_reason" for t in node.targets
            ):
                values = [node.value]
            for value in values:
                for text in _strings(value):
                    found[text] = f"{path.relative_to(ROOT)}:{value.lineno}"
    return found


def test_every_reason_the_code_records_is_a_known_system_reason():
    found = recorded_reasons()
    assert "Draft saved" in found and "Visit schedule updated" in found  # the walk works
    missing = {text: where for text, where in found.items() if text not in SYSTEM_REASONS}
    assert missing == {}, "add these to trial.history.SYSTEM_REASONS"


@pytest.mark.parametrize(
    ("stored", "chinese"),
    [
        ("Draft saved", "草稿已保存"),
        ("Visit schedule updated", "访视计划已更新"),
        ("Finding explained", "逻辑核查提示已解释"),
        ("Added in the admin", "在管理后台添加"),
        (f"{ADMIN_CHANGED_PREFIX}name, time_zone", "在管理后台修改：name, time_zone"),
        ("Transcription error", "Transcription error"),  # typed by a user: as typed
        ("", ""),
    ],
)
def test_shown_reason_translates_system_reasons_only(stored, chinese):
    with translation.override("zh-hans"):
        assert shown_reason(stored) == chinese
    with translation.override("en"):
        assert shown_reason(stored) == stored
