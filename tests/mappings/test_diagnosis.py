"""Diagnosis -> opsp rules: each rule with real codes, combinations, precedence, visit lookups."""

from __future__ import annotations

import pytest

from mappings import MalformedCodeError, UnknownCodeError, lookup_diagnosis, lookup_visit
from mappings.shipped import diagnosis_rules


@pytest.mark.parametrize(
    ("code", "first", "all_codes"),
    [
        # The examples.
        ("E11.900", "M01600", ("M01600",)),
        ("I10.x09", "M03900", ("M03900",)),
        ("C16.9", "M00500", ("M00500", "M00503", "M00504")),
        ("Z94.002", "M08301", ("M08301", "M08300")),
        ("J06.900", None, ()),
        # Categories and ranges (医保版 extended codes match their category).
        ("I15.000", "M03900", ("M03900",)),
        ("I16", None, ()),
        ("E10", "M01600", ("M01600",)),
        ("E14.900", "M01600", ("M01600",)),
        ("O24.400", None, ()),  # gestational diabetes is not M01600
        ("C49.900x003", "M00500", ("M00500", "M00503", "M00504")),
        ("C97", "M00500", ("M00500", "M00503", "M00504")),
        ("D09.9", None, ()),  # in situ: only by local rule
        ("Z94.401", "M08304", ("M08304", "M08300")),
        ("Z94.100", "M08303", ("M08303", "M08300")),
        ("Z94.200", "M08305", ("M08305", "M08300")),
        ("Z94.800", "M08302", ("M08302", "M08300")),
        ("Z94.3", "M08300", ("M08300",)),  # heart-lung: no national code, class only
        ("T86.100", "M08301", ("M08301", "M08300")),
        ("N18.902", "M07800", ("M07800",)),  # alone: not dialysis
        ("F20.800x001", "M02101", ("M02101",)),
        ("F25.900", "M02104", ("M02104",)),
        ("D66.x01", "M01200", ("M01200",)),
        ("D68.1", "M01200", ("M01200",)),
        ("D68.0", None, ()),
        ("D61.900", "M01102", ("M01102",)),
        ("B24.x01", "M00300", ("M00300",)),
        ("J44.900", "M05300", ("M05300",)),
        ("M32.900", "M07101", ("M07101",)),
        ("A15.000x016", "M00105", ("M00105", "M00101")),
        ("I63.900", "M04803", ("M04803",)),
        ("I27.000", "M04000", ("M04000",)),
        ("I27.9", None, ()),  # 肺心病: no national code (a Wuhai local disease)
        ("G40.900", "M02500", ("M02500",)),
        ("F84.0", "M02207", ("M02207",)),
        ("B18.1", "M00201", ("M00201",)),
        ("B18.2", "M00202", ("M00202",)),
        ("K74.6", None, ()),  # cirrhosis alone: 失代偿 needs a sign of decompensation
    ],
)
def test_single_code_candidates(code: str, first: str | None, all_codes: tuple[str, ...]) -> None:
    result = lookup_diagnosis(code)
    assert result.opsp_codes == all_codes
    assert (result.candidates[0].opsp_dise_code if result.candidates else None) == first


def test_candidate_carries_rule_and_provenance() -> None:
    (candidate,) = lookup_diagnosis("E11.900").candidates
    assert candidate.opsp_dise_name == "糖尿病"
    assert candidate.rule_id == "R-M01600-1"
    assert candidate.rule == "E10-E14 -> M01600"
    assert candidate.precedence == 10
    assert candidate.diagnoses == ("E11.900",)
    assert candidate.needs is None
    assert candidate.evidence == "INF"
    assert "DOMAIN.md §3.2" in candidate.provenance


@pytest.mark.parametrize(
    ("code", "conditional"),
    [
        ("N18.902", {"M07801": "Z49|Z99.2", "M07803": "Z49.1|Z99.2", "M07804": "Z49.2"}),
        ("Z99.201", {"M07801": "N18|N19|I12.0|I13.1-2|E10-E14.2", "M07803": "N18"}),
        ("Z94.002", {"M08306": "Z94.4|T86.4"}),
        ("Z94.401", {"M08306": "Z94.0|T86.1"}),
        ("E11.300", {"M01609": "H36.0|H35.8"}),
        ("K74.6", {"M06201": "R18|I85.0|I98.3|K72|K76.6-7"}),
        ("C16.9", {}),  # Z51 + C adds nothing to a code that already gives M00500
        ("E11.900", {}),
    ],
)
def test_conditional_candidates_name_what_they_need(code: str, conditional: dict[str, str]) -> None:
    result = lookup_diagnosis(code)
    assert {c.opsp_dise_code: c.needs for c in result.conditional} == conditional


@pytest.mark.parametrize(
    ("visit", "expected", "superseded"),
    [
        # Dialysis: N18 + Z99.2 (or Z49) gives M07801 and the provincial sub-codes, drops M07800.
        (("N18.902", "Z99.201"), ("M07801", "M07803"), ("M07800",)),
        (("N18.902", "Z49.101"), ("M07801", "M07803"), ("M07800",)),
        (("N18.902", "Z49.201"), ("M07801", "M07804"), ("M07800",)),
        (("N19", "Z99.2"), ("M07801",), ()),
        (("E11.200", "Z99.201"), ("M01600", "M07801"), ()),  # diabetic kidney failure on dialysis
        (("I12.000", "Z49.1"), ("M03900", "M07801"), ()),
        (("Z99.201",), (), ()),  # dialysis status alone proves no disease
        # Transplant: Z94.0 + Z94.4 is M08306 instead of M08301 / M08304.
        (("Z94.002", "Z94.401"), ("M08306", "M08300"), ("M08301", "M08304")),
        (("T86.100", "Z94.400"), ("M08306", "M08300"), ("M08301", "M08304")),
        (("Z94.002", "Z94.100"), ("M08301", "M08303", "M08300"), ()),
        # Other combinations.
        (("E11.300", "H36.0"), ("M01600", "M01609"), ()),
        (("C16.9", "Z51.100"), ("M00500", "M00503", "M00504"), ()),
        (("K74.6", "R18"), ("M06201",), ()),
        (("F06.800", "G40.900"), ("M02105", "M02500"), ()),
        (("H34.800", "H35.800"), ("M03703", "M03704"), ()),
        # Two diseases in one visit, and an ordinary diagnosis alongside.
        (("E11.900", "I10.x09", "J06.900"), ("M01600", "M03900"), ()),
    ],
)
def test_visit_combinations_and_precedence(
    visit: tuple[str, ...], expected: tuple[str, ...], superseded: tuple[str, ...]
) -> None:
    result = lookup_visit(visit)
    assert result.opsp_codes == expected
    assert tuple(c.opsp_dise_code for c in result.superseded) == superseded


def test_visit_names_the_diagnoses_behind_each_candidate() -> None:
    result = lookup_visit(["n18.902", "Z99.201", "E11.900", "J06.900", "N18.902"])
    assert result.codes == ("N18.902", "Z99.201", "E11.900", "J06.900")  # normalised, duplicates merged
    assert result.supporting("M07801") == ("N18.902", "Z99.201")
    assert result.supporting("M01600") == ("E11.900",)
    assert [c.opsp_dise_code for c in result.for_code("Z99.201")] == ["M07801", "M07803"]
    assert result.for_code("J06.900") == ()
    (dialysis,) = (c for c in result.candidates if c.opsp_dise_code == "M07801")
    assert dialysis.rule_id == "R-M07801-1"
    assert dialysis.rule == "N18|N19|I12.0|I13.1-2|E10-E14.2 + Z49|Z99.2 -> M07801"


def test_a_combination_needs_two_different_diagnoses() -> None:
    # The same code twice is one diagnosis.
    assert lookup_visit(["Z94.002", "Z94.002"]).opsp_codes == ("M08301", "M08300")


def test_malformed_code_in_a_visit_raises_with_the_code() -> None:
    with pytest.raises(MalformedCodeError) as caught:
        lookup_visit(["E11.900", "E11.9y"])
    assert caught.value.code == "E11.9y"


def test_lookups_are_cached_per_raw_and_normalised_code() -> None:
    rules = diagnosis_rules()
    first = rules.lookup("i10.X09")
    assert rules.lookup("I10.x09") is first
    assert rules.lookup("i10.X09") is first


def test_every_rule_targets_a_catalogue_code_and_has_provenance() -> None:
    rules = diagnosis_rules()
    assert len(rules.rules) == len(rules.by_id)
    for rule in rules.rules:
        assert rule.provenance
        assert rule.evidence in {"SEED", "SRC", "INF", "DEMO"}
    # The five cross-province diseases rank first.
    cross = {"M03900", "M01600", "M00500", "M07801", *(f"M0830{n}" for n in range(1, 7))}
    assert {r.opsp_dise_code for r in rules.rules if r.precedence == 10} == cross


def test_rules_by_id() -> None:
    rule = diagnosis_rules().rule("R-M08306-1")
    assert rule.supersedes == ("R-M08301-1", "R-M08304-1")
    assert str(rule.companion) == "Z94.4|T86.4"
    with pytest.raises(UnknownCodeError):
        diagnosis_rules().rule("R-NONE")
