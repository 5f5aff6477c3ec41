"""The allocation list as a CSV file (pure): reading a statistician's file, writing
a planned list."""

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _

from trial import protocol

from .blocks import PlannedEntry
from .errors import AllocationListInvalid
from .strata import parse_stratum_key

CSV_COLUMNS = ("stratum", "position", "arm", "block", "block_size")
REQUIRED_CSV_COLUMNS = ("stratum", "position", "arm")


def parse_allocation_csv(text: str) -> list[PlannedEntry]:
    """Read a list file; AllocationListInvalid names every problem with its line number.

    Columns stratum, position and arm are required; block and block_size are optional and,
    when given, each block must hold block_size entries in the allocation ratio. Positions
    run 1, 2, 3 ... in each stratum, without gaps or repeats. Other columns are ignored.
    """
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise AllocationListInvalid([_("The file is empty.")])
    reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames]
    missing = [col for col in REQUIRED_CSV_COLUMNS if col not in reader.fieldnames]
    if missing:
        raise AllocationListInvalid(
            [_("Line 1: missing column(s): %(columns)s.") % {"columns": ", ".join(missing)}]
        )
    errors: list[str] = []
    entries: list[PlannedEntry] = []
    lines: dict[tuple[str, int], int] = {}
    arms = [arm.value for arm in protocol.Arm]
    for row in reader:
        line = reader.line_num
        values = {col: (row.get(col) or "").strip() for col in CSV_COLUMNS}
        if not any(values.values()):
            continue
        problems = []
        try:
            parse_stratum_key(values["stratum"])
        except ValueError:
            problems.append(
                _("stratum %(value)r is not of the form S01|synchronous or S01|metachronous")
                % {"value": values["stratum"]}
            )
        position = _positive_int(values["position"])
        if position is None:
            problems.append(
                _("position %(value)r is not a whole number from 1") % {"value": values["position"]}
            )
        if values["arm"] not in arms:
            problems.append(
                _("arm %(value)r is not one of %(arms)s")
                % {"value": values["arm"], "arms": ", ".join(arms)}
            )
        block = block_size = None
        for col in ("block", "block_size"):
            if values[col] and _positive_int(values[col]) is None:
                problems.append(
                    _("%(column)s %(value)r is not a whole number from 1")
                    % {"column": col, "value": values[col]}
                )
        if values["block"]:
            block = _positive_int(values["block"])
        if values["block_size"]:
            block_size = _positive_int(values["block_size"])
        if position is not None and not problems:
            earlier = lines.get((values["stratum"], position))
            if earlier:
                problems.append(
                    _("position %(position)d of stratum %(stratum)s is already on line %(line)d")
                    % {"position": position, "stratum": values["stratum"], "line": earlier}
                )
            lines[(values["stratum"], position)] = line
        if problems:
            errors.extend(
                _("Line %(line)d: %(problem)s.") % {"line": line, "problem": p} for p in problems
            )
            continue
        entries.append(
            PlannedEntry(
                values["stratum"], position, protocol.Arm(values["arm"]), block, block_size
            )
        )
    if not errors:
        errors = _consecutive_position_errors(entries) + _block_errors(entries)
    if not errors and not entries:
        errors = [_("The file has no entries.")]
    if errors:
        raise AllocationListInvalid(errors)
    return sorted(entries, key=lambda e: (e.stratum, e.position))


def planned_csv(entries: Iterable[PlannedEntry]) -> str:
    """A planned list as the CSV a statistician reproduces or imports."""
    return allocation_csv(
        [CSV_COLUMNS] + [(e.stratum, e.position, e.arm, e.block, e.block_size) for e in entries]
    )


def allocation_csv(rows: Iterable[Sequence]) -> str:
    """CSV text with a header; rows follow CSV_COLUMNS and may carry extra columns."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue()


def _positive_int(value: str) -> int | None:
    return int(value) if value.isdigit() and int(value) >= 1 else None


def _consecutive_position_errors(entries: list[PlannedEntry]) -> list[str]:
    positions: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        positions[entry.stratum].add(entry.position)
    errors = []
    for stratum, found in sorted(positions.items()):
        gaps = sorted(set(range(1, max(found) + 1)) - found)
        if gaps:
            errors.append(
                _(
                    "Stratum %(stratum)s: positions must run from 1 without gaps; "
                    "missing %(missing)s."
                )
                % {"stratum": stratum, "missing": ", ".join(map(str, gaps[:20]))}
            )
    return errors


def _block_errors(entries: list[PlannedEntry]) -> list[str]:
    blocks: dict[tuple[str, int], list[PlannedEntry]] = defaultdict(list)
    for entry in entries:
        if entry.block is not None:
            blocks[(entry.stratum, entry.block)].append(entry)
    unit = sum(protocol.ALLOCATION_RATIO.values())
    errors = []
    for (stratum, block), members in sorted(blocks.items()):
        size = len(members)
        counts = Counter(member.arm for member in members)
        expected = {arm: share * size // unit for arm, share in protocol.ALLOCATION_RATIO.items()}
        stated = {member.block_size for member in members} - {None}
        if (stated and stated != {size}) or size % unit or counts != Counter(expected):
            errors.append(
                _(
                    "Stratum %(stratum)s, block %(block)d: %(size)d entries with arms "
                    "%(counts)s do not make one balanced block%(stated)s."
                )
                % {
                    "stratum": stratum,
                    "block": block,
                    "size": size,
                    "counts": ", ".join(f"{arm}={counts[arm]}" for arm in protocol.Arm),
                    "stated": f" of {sorted(stated)}" if stated else "",
                }
            )
    return errors
