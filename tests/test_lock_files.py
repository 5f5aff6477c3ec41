"""The lock files that every install uses pin, with hashes, a version inside each range that
pyproject.toml declares: a dependency added or narrowed without `make lock` fails here."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)")


def pins(lock: str) -> dict[str, list[str]]:
    """Each pinned package with its versions (one per environment marker) and hash lines."""
    found: dict[str, list[str]] = {}
    text = (ROOT / "requirements" / lock).read_text()
    for block in re.split(r"\n(?=\S)", text):
        match = PIN.match(block)
        if match:
            assert "--hash=sha256:" in block, f"{match[1]} in {lock} has no hash"
            found.setdefault(canonicalize_name(match[1]), []).append(match[2])
    return found


def declared(*extras: str) -> list[Requirement]:
    names = list(PROJECT["dependencies"])
    for extra in extras:
        names += PROJECT["optional-dependencies"][extra]
    return [Requirement(name) for name in names]


@pytest.mark.parametrize("lock, extras", [("run.txt", ("demo",)), ("test.txt", ("demo", "test"))])
def test_lock_pins_every_declared_dependency_inside_its_range(lock, extras):
    pinned = pins(lock)
    for requirement in declared(*extras):
        versions = pinned.get(canonicalize_name(requirement.name))
        assert versions, f"{requirement.name} is missing from requirements/{lock}: make lock"
        assert all(requirement.specifier.contains(v, prereleases=True) for v in versions), (
            f"requirements/{lock} pins {requirement.name}=={versions}, outside {requirement}"
        )


def test_pip_itself_is_pinned_with_hashes():
    assert list(pins("pip.txt")) == ["pip"]
