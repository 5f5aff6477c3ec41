"""Generating an allocation list (pure): stratified permuted blocks drawn from a seed."""

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from trial import protocol


@dataclass(frozen=True)
class PlannedEntry:
    """One line of an allocation list before it is stored."""

    stratum: str
    position: int
    arm: protocol.Arm
    block: int | None = None
    block_size: int | None = None


def check_block_sizes(
    block_sizes: Sequence[int] = protocol.BLOCK_SIZES,
    ratio: Mapping[protocol.Arm, int] = protocol.ALLOCATION_RATIO,
) -> None:
    """ValueError unless every block holds whole multiples of the allocation ratio."""
    unit = sum(ratio.values())
    smallest = min(block_sizes, default=0)
    if smallest <= 0 or any(size % unit or size % smallest for size in block_sizes):
        raise ValueError(
            f"Block sizes {tuple(block_sizes)} must be positive multiples of the ratio total "
            f"({unit}) and of the smallest block."
        )


def stratum_list(
    stratum: str,
    *,
    seed: int,
    size: int,
    block_sizes: Sequence[int] = protocol.BLOCK_SIZES,
    ratio: Mapping[protocol.Arm, int] = protocol.ALLOCATION_RATIO,
) -> list[PlannedEntry]:
    """The list of one stratum: permuted blocks of randomly chosen sizes, in order.

    Each stratum draws from its own random.Random seeded with the text "<seed>|<stratum>",
    so the same seed and parameters always give the same list, and adding a site later
    leaves the lists of the other sites unchanged. Near the end only blocks that still fit
    are drawn, so the list ends on a complete block.
    """
    check_block_sizes(block_sizes, ratio)
    if size < 0 or size % min(block_sizes):
        raise ValueError(f"{size} entries cannot be cut into blocks of {tuple(block_sizes)}.")
    rng = random.Random(f"{seed}|{stratum}")
    unit = sum(ratio.values())
    entries: list[PlannedEntry] = []
    block = 0
    while len(entries) < size:
        remaining = size - len(entries)
        block_size = rng.choice([b for b in block_sizes if b <= remaining])
        block += 1
        arms = [arm for arm, share in ratio.items() for _ in range(share * block_size // unit)]
        rng.shuffle(arms)
        start = len(entries)
        entries += [
            PlannedEntry(stratum, start + offset, protocol.Arm(arm), block, block_size)
            for offset, arm in enumerate(arms, start=1)
        ]
    return entries


def generate_list(
    *,
    seed: int,
    strata: Iterable[str],
    per_stratum: int,
    block_sizes: Sequence[int] = protocol.BLOCK_SIZES,
    ratio: Mapping[protocol.Arm, int] = protocol.ALLOCATION_RATIO,
) -> list[PlannedEntry]:
    """The lists of several strata, stratum by stratum in key order."""
    return [
        entry
        for key in sorted(set(strata))
        for entry in stratum_list(
            key, seed=seed, size=per_stratum, block_sizes=block_sizes, ratio=ratio
        )
    ]


def extension_list(
    stratum: str,
    *,
    seed: int,
    size: int,
    after_position: int,
    after_block: int,
    block_sizes: Sequence[int] = protocol.BLOCK_SIZES,
    ratio: Mapping[protocol.Arm, int] = protocol.ALLOCATION_RATIO,
) -> list[PlannedEntry]:
    """More entries for a stratum: the list stratum_list draws from a new seed, numbered on
    from the stratum's last position and block, so a statistician reproduces it from the seed,
    the size and the stratum's length before the extension."""
    return [
        PlannedEntry(
            stratum,
            after_position + e.position,
            e.arm,
            after_block + e.block if e.block else None,
            e.block_size,
        )
        for e in stratum_list(stratum, seed=seed, size=size, block_sizes=block_sizes, ratio=ratio)
    ]
