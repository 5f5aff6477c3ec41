"""CTCAE v5.0 as the adverse event form sees it: terms, their MedDRA codes and allowed grades."""

import pytest

from ecrf import ctcae

ANEMIA = "10002272"
NEUTROPHIL_COUNT_DECREASED = "10029366"
NAUSEA = "10028813"
DISSEMINATED_INTRAVASCULAR_COAGULATION = "10013442"
DEATH_NOS = "10011914"


def test_ctcae_has_837_terms_in_26_socs():
    assert len(ctcae.terms()) == 837
    assert len(ctcae.soc_names()) == 26
    assert len({t.meddra_code for t in ctcae.terms()}) == 837


def test_soc_names_are_the_socs_of_the_terms_in_ctcae_order():
    socs = ctcae.soc_names()
    assert socs[0] == "Blood and lymphatic system disorders"
    assert socs[-1] == "Vascular disorders"
    assert set(socs) == {t.soc for t in ctcae.terms()}


def test_term_by_code_gives_the_full_term():
    anemia = ctcae.term_by_code(ANEMIA)
    assert anemia.term == "Anemia"
    assert anemia.soc == "Blood and lymphatic system disorders"
    assert anemia.definition.startswith("A disorder characterized by a reduction in the amount")
    assert anemia.grades[5] == "Death"


def test_term_by_code_accepts_the_code_as_a_number():
    assert ctcae.term_by_code(int(ANEMIA)) is ctcae.term_by_code(ANEMIA)


@pytest.mark.parametrize("code", ["99999999", "", "Anemia", 0])
def test_term_by_code_raises_key_error_for_an_unknown_code(code):
    with pytest.raises(KeyError):
        ctcae.term_by_code(code)


@pytest.mark.parametrize(
    "code, term, grades",
    [
        (ANEMIA, "Anemia", [1, 2, 3, 4, 5]),
        (NEUTROPHIL_COUNT_DECREASED, "Neutrophil count decreased", [1, 2, 3, 4]),
        (NAUSEA, "Nausea", [1, 2, 3]),
        ("10001760", "Alopecia", [1, 2]),
        (
            DISSEMINATED_INTRAVASCULAR_COAGULATION,
            "Disseminated intravascular coagulation",
            [2, 3, 4, 5],
        ),
        ("10003586", "Asystole", [1, 4, 5]),
        (DEATH_NOS, "Death NOS", [5]),
    ],
)
def test_grades_for_lists_only_the_grades_ctcae_defines(code, term, grades):
    assert ctcae.term_by_code(code).term == term
    assert sorted(ctcae.grades_for(code)) == grades
    assert all(ctcae.grades_for(code).values())


def test_grades_for_gives_the_grade_descriptions():
    assert ctcae.grades_for(NEUTROPHIL_COUNT_DECREASED)[4] == "<500/mm3; <0.5 x 10e9 /L"


def test_grades_for_raises_key_error_for_an_unknown_code():
    with pytest.raises(KeyError):
        ctcae.grades_for("99999999")


@pytest.mark.parametrize(
    "code, grade, valid",
    [
        (ANEMIA, 1, True),
        (ANEMIA, 3, True),
        (ANEMIA, 5, True),
        (ANEMIA, 0, False),
        (ANEMIA, 6, False),
        (NEUTROPHIL_COUNT_DECREASED, 4, True),
        (NEUTROPHIL_COUNT_DECREASED, 5, False),
        (NAUSEA, 3, True),
        (NAUSEA, 4, False),
        (NAUSEA, 5, False),
        (DISSEMINATED_INTRAVASCULAR_COAGULATION, 1, False),
        (DISSEMINATED_INTRAVASCULAR_COAGULATION, 2, True),
        (DEATH_NOS, 1, False),
        (DEATH_NOS, 5, True),
        (int(ANEMIA), 2, True),
        ("99999999", 1, False),
        (ANEMIA, True, False),
        (ANEMIA, "1", False),
        (ANEMIA, None, False),
    ],
)
def test_is_valid_grade(code, grade, valid):
    assert ctcae.is_valid_grade(code, grade) is valid


def test_some_terms_have_no_grade_5_and_some_no_grade_1():
    assert sum(5 not in t.grades for t in ctcae.terms()) == 343
    assert sum(4 not in t.grades for t in ctcae.terms()) == 286
    assert sum(1 not in t.grades for t in ctcae.terms()) == 192


def test_every_soc_has_an_other_specify_term():
    other_specify = {t.soc for t in ctcae.terms() if t.term.endswith(" - Other, specify")}
    assert other_specify == set(ctcae.soc_names())


def test_a_shared_term_cannot_be_changed_by_a_caller():
    anemia = ctcae.term_by_code(ANEMIA)
    with pytest.raises(TypeError):
        anemia.grades[6] = "Worse than death"
    ctcae.grades_for(ANEMIA).pop(5)
    assert 5 in ctcae.term_by_code(ANEMIA).grades


@pytest.mark.parametrize(
    "text, first",
    [
        ("diarr", "Diarrhea"),
        ("neutro", "Neutrophil count decreased"),
        ("NAUSEA", "Nausea"),
        ("  nausea  ", "Nausea"),
        ("Anemia", "Anemia"),
        ("pain", "Pain"),
        ("peripheral sensory", "Peripheral sensory neuropathy"),
        ("erythrodys", "Palmar-plantar erythrodysesthesia syndrome"),
        ("plantar", "Palmar-plantar erythrodysesthesia syndrome"),
        ("decreased neutrophil", "Neutrophil count decreased"),
    ],
)
def test_search_puts_the_best_match_first(text, first):
    assert ctcae.search_terms(text)[0].term == first


def test_search_ranks_term_prefix_then_word_prefix_then_substring():
    found = [t.term for t in ctcae.search_terms("pain", limit=100)]
    assert found.index("Pain") < found.index("Pain in extremity")
    assert found.index("Pain in extremity") < found.index("Abdominal pain")
    ear = [t.term for t in ctcae.search_terms("ear", limit=100)]
    assert ear.index("Middle ear inflammation") < ear.index("Hearing impaired")
    renal = [t.term for t in ctcae.search_terms("renal", limit=100)]
    assert renal.index("Intraoperative renal injury") < renal.index("Adrenal insufficiency")
    assert "Neutrophil count decreased" in [t.term for t in ctcae.search_terms("phil count")]
    neutro = [t.term for t in ctcae.search_terms("neutro")]
    assert neutro[:2] == ["Neutrophil count decreased", "Febrile neutropenia"]


def test_search_matches_words_in_any_order_before_matching_the_soc():
    found = [t.term for t in ctcae.search_terms("disorders cardiac")]
    assert found[0] == "Cardiac disorders - Other, specify"
    assert "Aortic valve disease" in found


def test_search_lists_equally_good_matches_alphabetically():
    found = [t.term for t in ctcae.search_terms("ulcer", limit=100)]
    assert "Corneal ulcer" in found and "Skin ulceration" in found
    assert found == sorted(found, key=str.casefold)


def test_search_finds_terms_by_their_soc_after_terms_matching_by_name():
    found = ctcae.search_terms("cardiac", limit=1000)
    by_name = [t for t in found if "cardiac" in t.term.lower()]
    assert found[: len(by_name)] == by_name
    assert {t.term for t in found} >= {
        t.term for t in ctcae.terms() if t.soc == "Cardiac disorders"
    }


@pytest.mark.parametrize("text", ["", "   ", "zzzz", "xyzzy plugh"])
def test_search_finds_nothing_for_empty_or_unknown_text(text):
    assert ctcae.search_terms(text) == []


@pytest.mark.parametrize("limit, count", [(20, 20), (5, 5), (1, 1), (0, 0)])
def test_search_returns_at_most_limit_terms(limit, count):
    assert len(ctcae.search_terms("a", limit=limit)) == count


def test_search_default_limit_is_20():
    assert len(ctcae.search_terms("disorder")) == 20
