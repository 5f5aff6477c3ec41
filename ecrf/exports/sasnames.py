"""SAS version 5 names: at most 8 characters of letters, digits and underscores, unique.

Variables take their CDASH name when it fits and no other column of the table claims it,
else their own name cut to 8 characters, numbered when that collides. Format names end in a
letter (SAS refuses a trailing digit) and character formats begin with $.
"""

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import count

LENGTH = 8


def clean(name: str) -> str:
    cleaned = re.sub(r"[^A-Z0-9_]", "_", name.upper())
    if not cleaned or cleaned[0].isdigit():
        cleaned = "_" + cleaned
    return cleaned


def _numbered(base: str, taken: set[str], *, length: int, end: str = "") -> str:
    for n in count(1):
        suffix = f"{n}{end}"
        candidate = base[: length - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable")


def short_names(names: Sequence[str], preferred: dict[str, str] | None = None) -> dict[str, str]:
    """Each name as a unique SAS name, in the order given."""
    preferred = preferred or {}
    claims = Counter(clean(p) for p in preferred.values() if p)
    taken: set[str] = set()
    result = {}
    for name in names:
        candidates = []
        wanted = clean(preferred.get(name, "") or "_")
        if preferred.get(name) and len(wanted) <= LENGTH and claims[wanted] == 1:
            candidates.append(wanted)
        candidates.append(clean(name)[:LENGTH])
        chosen = next((c for c in candidates if c not in taken), None)
        if chosen is None:
            chosen = _numbered(clean(name), taken, length=LENGTH)
        taken.add(chosen)
        result[name] = chosen
    return result


def format_names(bases: Iterable[tuple[str, bool]]) -> list[str]:
    """Format names for (base name, is character) pairs, unique even without their $."""
    taken: set[str] = set()
    names = []
    for base, character in bases:
        room = LENGTH - 1 if character else LENGTH
        stem = clean(base).rstrip("_")
        candidate = stem[: room - 1] + "F"
        if candidate in taken:
            candidate = _numbered(stem, taken, length=room, end="F")
        taken.add(candidate)
        names.append(("$" if character else "") + candidate)
    return names
