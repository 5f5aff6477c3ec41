"""The pure rules of randomization: the gate, the permuted blocks and the list file format."""

import random
from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from trial import protocol
from trial.randomization import (
    AllocationListInvalid,
    RandomizationFacts,
    RefusalCode,
    generate_list,
    parse_allocation_csv,
    parse_stratum_key,
    randomization_refusals,
    strata_of_sites,
    stratum_key,
    stratum_list,
)

TODAY = date(2026, 3, 10)
M, F = protocol.Arm.MAINTENANCE, protocol.Arm.FOLFOX_ALONE


def eligible_facts(**overrides) -> RandomizationFacts:
    """Facts of a patient who may be randomized today; override one to break a rule."""
    facts = RandomizationFacts(
        consent_date=date(2026, 3, 1),
        today=TODAY,
        inclusion={code: "yes" for code, _ in protocol.INCLUSION_CRITERIA},
        exclusion={code: "no" for code, _ in protocol.EXCLUSION_CRITERIA},
        birth_year=1970,
        resection_margin="R0",
        ablation_used=False,
        ecog=1,
        asa=2,
        postoperative_ctdna_positive=True,
        already_randomized=False,
    )
    return replace(facts, **overrides)


def answers(criteria, default, **changed):
    return {code: changed.get(code, default) for code, _ in criteria}


# The gate ----------------------------------------------------------------------------------


def test_eligible_patient_has_no_refusal():
    assert randomization_refusals(eligible_facts()) == []


PASSING = [
    pytest.param({"birth_year": 2026 - 18}, id="age 18 at consent"),
    pytest.param({"birth_year": 2026 - 75}, id="age 75 at consent"),
    pytest.param({"birth_year": 2026 - 76}, id="age 75 or 76 at consent: IN01 decides"),
    pytest.param({"consent_date": TODAY}, id="consent today"),
    pytest.param({"ablation_used": True}, id="R0 with ablation"),
    pytest.param({"resection_margin": "r0"}, id="margin case-insensitive"),
    pytest.param({"ecog": 3, "asa": 3}, id="ECOG 3 but ASA III"),
    pytest.param({"ecog": 2, "asa": 4}, id="ASA IV but ECOG 2"),
    pytest.param({"ecog": None, "asa": 1}, id="ECOG missing, ASA I"),
    pytest.param({"ecog": 0, "asa": None}, id="ASA missing, ECOG 0"),
]


@pytest.mark.parametrize("overrides", PASSING)
def test_gate_lets_through(overrides):
    assert randomization_refusals(eligible_facts(**overrides)) == []


inclusion_cases = [
    pytest.param(
        {"inclusion": answers(protocol.INCLUSION_CRITERIA, "yes", **{code: answer})},
        RefusalCode.INCLUSION_NOT_MET,
        code,
        [code, text, answer],
        id=f"{code} {answer}",
    )
    for code, text in protocol.INCLUSION_CRITERIA
    for answer in ("no", "unknown")
]
inclusion_cases.append(
    pytest.param(
        {"inclusion": {c: "yes" for c, _ in protocol.INCLUSION_CRITERIA if c != "IN03"}},
        RefusalCode.INCLUSION_NOT_MET,
        "IN03",
        ["IN03", "not answered"],
        id="IN03 not answered",
    )
)
exclusion_cases = [
    pytest.param(
        {"exclusion": answers(protocol.EXCLUSION_CRITERIA, "no", **{code: answer})},
        RefusalCode.EXCLUSION_NOT_RULED_OUT,
        code,
        [code, text, answer],
        id=f"{code} {answer}",
    )
    for code, text in protocol.EXCLUSION_CRITERIA
    for answer in ("yes", "unknown")
]
REFUSED = [
    *inclusion_cases,
    *exclusion_cases,
    pytest.param(
        {"consent_date": None}, RefusalCode.CONSENT_MISSING, "", ["consent"], id="no consent"
    ),
    pytest.param(
        {"consent_date": date(2026, 3, 11)},
        RefusalCode.CONSENT_AFTER_TODAY,
        "",
        ["2026-03-11", "2026-03-10"],
        id="consent tomorrow",
    ),
    pytest.param(
        {"birth_year": None}, RefusalCode.AGE_UNKNOWN, "", ["year of birth"], id="no birth year"
    ),
    pytest.param(
        {"birth_year": 2026 - 17}, RefusalCode.AGE_OUT_OF_RANGE, "", ["17", "18 to 75"], id="age 17"
    ),
    pytest.param(
        {"birth_year": 2026 - 77},
        RefusalCode.AGE_OUT_OF_RANGE,
        "",
        ["77", "1949", "18 to 75"],
        id="age 76 or 77",
    ),
    pytest.param(
        {"resection_margin": "R1"}, RefusalCode.RESECTION_NOT_R0, "", ["R1", "R0"], id="R1"
    ),
    pytest.param(
        {"resection_margin": "R2", "ablation_used": True},
        RefusalCode.RESECTION_NOT_R0,
        "",
        ["R2"],
        id="R2 with ablation",
    ),
    pytest.param(
        {"resection_margin": None},
        RefusalCode.RESECTION_NOT_R0,
        "",
        ["not recorded"],
        id="margin missing",
    ),
    pytest.param(
        {"ecog": 3, "asa": 4},
        RefusalCode.PERFORMANCE_STATUS,
        "",
        ["ECOG: 3", "ASA: IV"],
        id="ECOG 3 and ASA IV",
    ),
    pytest.param(
        {"ecog": None, "asa": None},
        RefusalCode.PERFORMANCE_STATUS,
        "",
        ["not recorded"],
        id="ECOG and ASA missing",
    ),
    pytest.param(
        {"postoperative_ctdna_positive": False},
        RefusalCode.CTDNA_NOT_POSITIVE,
        "",
        ["negative"],
        id="ctDNA negative",
    ),
    pytest.param(
        {"postoperative_ctdna_positive": None},
        RefusalCode.CTDNA_NOT_POSITIVE,
        "",
        ["No postoperative ctDNA"],
        id="ctDNA missing",
    ),
    pytest.param(
        {"already_randomized": True},
        RefusalCode.ALREADY_RANDOMIZED,
        "",
        ["already been randomized"],
        id="already randomized",
    ),
]


@pytest.mark.parametrize("overrides, code, criterion, words", REFUSED)
def test_gate_refuses_each_failing_rule_with_its_own_message(overrides, code, criterion, words):
    refusals = randomization_refusals(eligible_facts(**overrides))
    assert [(r.code, r.criterion) for r in refusals] == [(code, criterion)]
    for word in words:
        assert word in refusals[0].message


def test_gate_lists_every_failing_rule_at_once():
    facts = eligible_facts(
        consent_date=None,
        inclusion=answers(protocol.INCLUSION_CRITERIA, "yes", IN02="no", IN03="no"),
        exclusion=answers(protocol.EXCLUSION_CRITERIA, "no", EX09="yes"),
        resection_margin="R1",
        postoperative_ctdna_positive=False,
    )
    assert [(r.code, r.criterion) for r in randomization_refusals(facts)] == [
        (RefusalCode.CONSENT_MISSING, ""),
        (RefusalCode.INCLUSION_NOT_MET, "IN02"),
        (RefusalCode.INCLUSION_NOT_MET, "IN03"),
        (RefusalCode.EXCLUSION_NOT_RULED_OUT, "EX09"),
        (RefusalCode.RESECTION_NOT_R0, ""),
        (RefusalCode.CTDNA_NOT_POSITIVE, ""),
    ]


def test_every_refusal_message_is_a_sentence_for_a_clinician():
    facts = RandomizationFacts(today=TODAY, already_randomized=True)
    refusals = randomization_refusals(facts)
    assert len(refusals) == 1 + 5 + 10 + 1 + 1 + 1 + 1 + 1  # nothing recorded at all
    assert all(r.message[0].isupper() and r.message.endswith(".") for r in refusals)
    assert len({r.message for r in refusals}) == len(refusals)


# Strata ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "site, synchronous, key",
    [("S01", True, "S01|synchronous"), ("S02", False, "S02|metachronous")],
)
def test_stratum_key_round_trip(site, synchronous, key):
    assert stratum_key(site, synchronous) == key
    assert parse_stratum_key(key) == (site, synchronous)


@pytest.mark.parametrize("key", ["S01", "S01|sync", "s01|synchronous", "S01|synchronous|x", ""])
def test_malformed_stratum_keys_are_rejected(key):
    with pytest.raises(ValueError):
        parse_stratum_key(key)


def test_each_site_has_a_synchronous_and_a_metachronous_stratum():
    assert strata_of_sites(["S02", "S01"]) == [
        "S01|synchronous",
        "S01|metachronous",
        "S02|synchronous",
        "S02|metachronous",
    ]


# Permuted blocks ---------------------------------------------------------------------------


def test_balance_stays_within_block_bounds_over_10000_allocations():
    """Patients arrive in random strata; each takes the next entry of its stratum's list."""
    strata = strata_of_sites(["S01", "S02"])
    lists = {key: stratum_list(key, seed=7, size=10_000) for key in strata}
    arrivals = random.Random(1).choices(strata, k=10_000)
    taken = Counter()
    counts = {key: Counter() for key in strata}
    bound = max(protocol.BLOCK_SIZES) // 2
    for key in arrivals:
        entry = lists[key][taken[key]]
        taken[key] += 1
        counts[key][entry.arm] += 1
        assert entry.position == taken[key]
        assert abs(counts[key][M] - counts[key][F]) <= bound
        block_ends = taken[key] == len(lists[key]) or lists[key][taken[key]].block != entry.block
        if block_ends:
            assert counts[key][M] == counts[key][F]
    assert sum(taken.values()) == 10_000


@pytest.mark.parametrize("seed", [0, 1, 2026, 987654321])
def test_every_prefix_of_a_long_list_is_within_bounds(seed):
    entries = stratum_list("S01|synchronous", seed=seed, size=10_000)
    difference = 0
    for entry in entries:
        difference += 1 if entry.arm == M else -1
        assert abs(difference) <= max(protocol.BLOCK_SIZES) // 2
    blocks = Counter((e.block, e.block_size) for e in entries)
    assert all(count == size for (_, size), count in blocks.items())
    assert {size for _, size in blocks} == set(protocol.BLOCK_SIZES)
    assert [e.position for e in entries] == list(range(1, 10_001))


def test_same_seed_and_parameters_give_the_identical_list():
    strata = strata_of_sites(["S01", "S02"])
    first = generate_list(seed=42, strata=strata, per_stratum=100)
    assert first == generate_list(seed=42, strata=list(reversed(strata)), per_stratum=100)
    assert first != generate_list(seed=43, strata=strata, per_stratum=100)


def test_adding_a_site_leaves_the_other_sites_lists_unchanged():
    one = generate_list(seed=42, strata=strata_of_sites(["S01"]), per_stratum=50)
    two = generate_list(seed=42, strata=strata_of_sites(["S01", "S02"]), per_stratum=50)
    assert [e for e in two if e.stratum.startswith("S01|")] == one


def test_strata_of_one_seed_differ_from_each_other():
    a = [e.arm for e in stratum_list("S01|synchronous", seed=5, size=200)]
    b = [e.arm for e in stratum_list("S01|metachronous", seed=5, size=200)]
    assert a != b


def test_known_list_for_a_known_seed():
    """Pins the algorithm: a statistician re-running seed 20260101 gets exactly this."""
    entries = stratum_list("S01|synchronous", seed=20260101, size=20)
    assert "".join("M" if e.arm == M else "F" for e in entries) == "MFFMMFFMFMMFMFFMMFMF"
    block_sizes = {e.block: e.block_size for e in entries}
    starts = [block_sizes[block] for block in sorted(block_sizes)]
    assert starts == [4, 4, 4, 2, 4, 2]


@pytest.mark.parametrize("size", [3, -2])
def test_list_length_must_be_whole_blocks(size):
    with pytest.raises(ValueError):
        stratum_list("S01|synchronous", seed=1, size=size)


@pytest.mark.parametrize("block_sizes", [(3,), (2, 3), (0, 2), ()])
def test_block_sizes_must_hold_whole_ratios(block_sizes):
    with pytest.raises(ValueError):
        stratum_list("S01|synchronous", seed=1, size=12, block_sizes=block_sizes)


# The list file -----------------------------------------------------------------------------

GOOD_CSV = """stratum,position,arm
S01|synchronous,1,FOLFOX
S01|synchronous,2,FOLFOX_CAPE
S01|metachronous,2,FOLFOX
S01|metachronous,1,FOLFOX_CAPE
"""


def test_a_good_file_is_read_in_stratum_and_position_order():
    entries = parse_allocation_csv(GOOD_CSV)
    assert [(e.stratum, e.position, e.arm) for e in entries] == [
        ("S01|metachronous", 1, M),
        ("S01|metachronous", 2, F),
        ("S01|synchronous", 1, F),
        ("S01|synchronous", 2, M),
    ]


def test_blank_lines_extra_columns_and_header_case_are_accepted():
    text = (
        "Stratum, Position ,ARM,comment\n\n"
        "S01|synchronous,1,FOLFOX,x\nS01|synchronous,2,FOLFOX_CAPE,\n"
    )
    assert len(parse_allocation_csv(text)) == 2


BAD_FILES = [
    pytest.param("", ["empty"], id="empty file"),
    pytest.param("stratum,position\nS01|synchronous,1\n", ["Line 1", "arm"], id="no arm column"),
    pytest.param("stratum,position,arm\n", ["no entries"], id="header only"),
    pytest.param(
        "stratum,position,arm\nS01|synchronous,1,FOLFOX\nS01|synchronous,2,CAPE\n",
        ["Line 3", "'CAPE'", "FOLFOX_CAPE, FOLFOX"],
        id="unknown arm",
    ),
    pytest.param(
        "stratum,position,arm\nS01|synchronous,0,FOLFOX\nS01|synchronous,x,FOLFOX\n",
        ["Line 2: position '0'", "Line 3: position 'x'"],
        id="bad positions",
    ),
    pytest.param(
        "stratum,position,arm\nS01|synchronous,1,FOLFOX\nS01|synchronous,1,FOLFOX_CAPE\n",
        ["Line 3", "already on line 2"],
        id="duplicate position",
    ),
    pytest.param(
        "stratum,position,arm\nS01|synchronous,1,FOLFOX\nS01|synchronous,3,FOLFOX_CAPE\n"
        "S01|synchronous,5,FOLFOX\n",
        ["S01|synchronous", "missing 2, 4"],
        id="gaps",
    ),
    pytest.param(
        "stratum,position,arm\nS01|metachronous,2,FOLFOX\n",
        ["S01|metachronous", "missing 1"],
        id="not from 1",
    ),
    pytest.param(
        "stratum,position,arm\nS01-sync,1,FOLFOX\n",
        ["Line 2", "'S01-sync'"],
        id="bad stratum",
    ),
    pytest.param(
        "stratum,position,arm,block,block_size\nS01|synchronous,1,FOLFOX,1,2\n"
        "S01|synchronous,2,FOLFOX,1,2\n",
        ["block 1", "FOLFOX=2"],
        id="unbalanced block",
    ),
]


@pytest.mark.parametrize("text, words", BAD_FILES)
def test_bad_files_are_refused_with_clear_errors(text, words):
    with pytest.raises(AllocationListInvalid) as refused:
        parse_allocation_csv(text)
    message = str(refused.value)
    for word in words:
        assert word in message, message


def test_every_bad_line_is_reported_not_only_the_first():
    text = "stratum,position,arm\nS01|synchronous,1,X\nS01|synchronous,2,Y\nS01|synchronous,3,Z\n"
    with pytest.raises(AllocationListInvalid) as refused:
        parse_allocation_csv(text)
    assert [e.split(":")[0] for e in refused.value.errors] == ["Line 2", "Line 3", "Line 4"]
