"""CTCAE v5.0: the adverse event terms, their MedDRA codes and the grades each term defines.

The source is `ecrf/standards/ctcae-v5.0.csv` (see `ecrf/standards/README.md`), read once per
process. A grade that CTCAE marks "-" for a term does not exist for that term and is absent
from `CtcaeTerm.grades`.
"""

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType

CTCAE_CSV = Path(__file__).resolve().parent / "standards" / "ctcae-v5.0.csv"
GRADES = (1, 2, 3, 4, 5)

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class CtcaeTerm:
    meddra_code: str
    soc: str
    term: str
    # Read-only: the same objects are shared by every caller for the life of the process.
    grades: Mapping[int, str] = field(hash=False)
    definition: str
    navigational_note: str = ""

    def __str__(self) -> str:
        return self.term


def _term_from_row(row: dict[str, str]) -> CtcaeTerm:
    grades = {g: row[f"grade_{g}"] for g in GRADES if row[f"grade_{g}"]}
    return CtcaeTerm(
        meddra_code=row["meddra_code"],
        soc=row["soc"],
        term=row["term"],
        grades=MappingProxyType(grades),
        definition=row["definition"],
        navigational_note=row["navigational_note"],
    )


@cache
def terms() -> tuple[CtcaeTerm, ...]:
    """All terms in CTCAE order (by SOC, then term)."""
    with CTCAE_CSV.open(encoding="utf-8", newline="") as f:
        return tuple(_term_from_row(row) for row in csv.DictReader(f))


@cache
def _terms_by_code() -> dict[str, CtcaeTerm]:
    by_code = {t.meddra_code: t for t in terms()}
    if len(by_code) != len(terms()):
        raise ValueError(f"{CTCAE_CSV.name}: duplicate MedDRA codes")
    return by_code


def term_by_code(meddra_code: str | int) -> CtcaeTerm:
    """The term with this MedDRA code; KeyError if CTCAE v5.0 has none."""
    return _terms_by_code()[str(meddra_code).strip()]


def soc_names() -> tuple[str, ...]:
    """The MedDRA system organ classes, in CTCAE order."""
    return tuple(dict.fromkeys(t.soc for t in terms()))


def grades_for(meddra_code: str | int) -> dict[int, str]:
    """The grades CTCAE defines for this term, {grade: description}; KeyError if unknown."""
    return dict(term_by_code(meddra_code).grades)


def is_valid_grade(meddra_code: str | int, grade: int) -> bool:
    """True when `grade` is one CTCAE defines for this term; False for an unknown term."""
    if isinstance(grade, bool) or not isinstance(grade, int):
        return False
    try:
        return grade in term_by_code(meddra_code).grades
    except KeyError:
        return False


def _normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.casefold()))


@cache
def _search_index() -> tuple[tuple[CtcaeTerm, str, tuple[str, ...], tuple[str, ...]], ...]:
    return tuple((t, _normalise(t.term), _words(t.term), _words(t.soc)) for t in terms())


def _all_prefix_words(query_words: tuple[str, ...], words: tuple[str, ...]) -> bool:
    return bool(query_words) and all(any(w.startswith(q) for w in words) for q in query_words)


def _rank(
    query: str,
    query_words: tuple[str, ...],
    term: str,
    term_words: tuple[str, ...],
    soc_words: tuple[str, ...],
) -> int | None:
    """Lower is better; None when the term does not match at all."""
    if term.startswith(query):  # the exact term sorts first among these, being the shortest
        return 1
    if any(w.startswith(query) for w in term_words):
        return 2
    if query in term:
        return 3
    if _all_prefix_words(query_words, term_words):
        return 4
    if _all_prefix_words(query_words, soc_words):
        return 5
    return None


def search_terms(text: str, limit: int = 20) -> list[CtcaeTerm]:
    """Terms matching `text`, best first: the term itself or its start, then a word of the term
    starting with the text, then the text anywhere in the term, then every word of the text
    starting a word of the term, then of the SOC. Case-insensitive; ties alphabetical."""
    query = _normalise(text)
    if not query or limit <= 0:
        return []
    query_words = _words(query)
    ranked = []
    for term, key, term_words, soc_words in _search_index():
        rank = _rank(query, query_words, key, term_words, soc_words)
        if rank is not None:
            ranked.append((rank, key, term))
    ranked.sort(key=lambda r: r[:2])
    return [term for _, _, term in ranked[:limit]]


# Words clinicians type for common chemotherapy toxicities, mapped to the CTCAE term.
SYNONYMS: dict[str, str] = {
    "hand foot syndrome": "Palmar-plantar erythrodysesthesia syndrome",
    "hfs": "Palmar-plantar erythrodysesthesia syndrome",
    "ppe": "Palmar-plantar erythrodysesthesia syndrome",
    "alt": "Alanine aminotransferase increased",
    "sgpt": "Alanine aminotransferase increased",
    "ast": "Aspartate aminotransferase increased",
    "sgot": "Aspartate aminotransferase increased",
    "neutropenia": "Neutrophil count decreased",
    "anc low": "Neutrophil count decreased",
    "thrombocytopenia": "Platelet count decreased",
    "low platelets": "Platelet count decreased",
    "leukopenia": "White blood cell decreased",
    "leucopenia": "White blood cell decreased",
    "anaemia": "Anemia",
    "diarrhoea": "Diarrhea",
    "neuropathy": "Peripheral sensory neuropathy",
    "numbness": "Peripheral sensory neuropathy",
    "tingling": "Paresthesia",
    "stomatitis": "Mucositis oral",
    "mouth ulcers": "Mucositis oral",
    "tiredness": "Fatigue",
    "hair loss": "Alopecia",
    "loss of appetite": "Anorexia",
    "taste change": "Dysgeusia",
    "bilirubin": "Blood bilirubin increased",
    "jaundice": "Blood bilirubin increased",
    "creatinine": "Creatinine increased",
    "hypersensitivity": "Allergic reaction",
    "oxaliplatin reaction": "Infusion related reaction",
}


@cache
def _synonym_index() -> tuple[tuple[tuple[str, ...], CtcaeTerm], ...]:
    by_term = {t.term: t for t in terms()}
    return tuple((_words(key), by_term[term]) for key, term in SYNONYMS.items())


def find_terms(text: str, limit: int = 20) -> list[CtcaeTerm]:
    """What the term picker offers: a MedDRA code, then the synonyms the text starts
    (e.g. "hand foot", "ALT"), then search_terms; each term once."""
    query_words = _words(text)
    found: list[CtcaeTerm] = []
    if text.strip().isdigit() and text.strip() in _terms_by_code():
        found.append(term_by_code(text))
    if len("".join(query_words)) >= 2:
        found += [t for words, t in _synonym_index() if _all_prefix_words(query_words, words)]
    found += search_terms(text, limit)
    return list(dict.fromkeys(found))[: max(limit, 0)]
