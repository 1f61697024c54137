"""Hostile and careless visit files: each is refused with an ``InputError`` naming its field, or normalised.

Issue #10 items 4 and 5: no foreign exception (``decimal.InvalidOperation``, ``RecursionError``,
``UnicodeEncodeError``) may escape parsing, and what is wrong (Unix timestamps, non-ASCII digits,
blank required text, amounts beyond the protocol's N16,2) is refused rather than read in.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter import InputError
from adapter.planning import load_visit, parse_visit

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "visits" / "P1.json"


def _document() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _broken(change: Any) -> dict[str, Any]:
    document = copy.deepcopy(_document())
    change(document)
    return document


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # ~25 digits used to raise decimal.InvalidOperation from the places check (context precision 28).
        (lambda d: d["items"][0].update(pric="1234567890123456789012345.5"), r"items\[0\].*pric: .*N16,6"),
        (lambda d: d["items"][0].update(cnt="9" * 25), r"items\[0\].*cnt: .*N16,4"),
        (lambda d: d["items"][0].update(pric=Decimal("1E+30")), r"pric: .*N16,6"),
        # N16,6: at most 10 digits before the point; N16,4: 12.
        (lambda d: d["items"][0].update(pric="12345678901"), r"pric: .*N16,6"),
        (lambda d: d["items"][0].update(cnt="1234567890123"), r"cnt: .*N16,4"),
        # Each within its own limit, but cnt × pric is beyond N16,2 (14 digits before the point):
        # 9,999,999,999 × 99,999 ≈ 10^15.
        (lambda d: d["items"][0].update(pric="9999999999", cnt="99999"), r"items\[0\].*N16,2"),
        # Full-width and other non-ASCII digits (Decimal() and strptime() both accept them).
        (lambda d: d["items"][0].update(pric="０.４０"), r"pric: .*ASCII"),
        (lambda d: d["items"][0].update(cnt="٦٠"), r"cnt: .*ASCII"),
        (lambda d: d["items"][0].update(fee_ocur_time="２０２６-11-22 09:40:00"), r"fee_ocur_time: "),
        (lambda d: d["visit"].update(begntime="2026-11-22 ０9:30:00"), r"visit\.begntime: "),
        # Unix timestamps were read as UTC, 8 hours off: refused.
        (lambda d: d["visit"].update(begntime=1795311000), r"visit\.begntime: .*not a number"),
        (lambda d: d["items"][0].update(fee_ocur_time=1795311000), r"fee_ocur_time: .*not a number"),
        # Required text that is only whitespace, including the ideographic space U+3000.
        (lambda d: d["visit"].update(dept_name="   "), r"visit\.dept_name: must not be blank"),
        (lambda d: d["visit"].update(dr_name="\u3000"), r"visit\.dr_name: must not be blank"),
        (
            lambda d: d["patient"].update(mdtrt_cert_no="\t \u3000"),
            r"patient\.mdtrt_cert_no: must not be blank",
        ),
        (lambda d: d["diagnoses"][0].update(diag_name="\u3000\u3000"), r"diagnoses\[0\]\.diag_name"),
        (lambda d: d["items"][0].update(feedetl_sn=" "), r"items\[0\].*feedetl_sn: must not be blank"),
        # A lone surrogate cannot be sent as UTF-8 (Adapter.plan raised UnicodeEncodeError).
        (lambda d: d["patient"].update(mdtrt_cert_no="6401\ud800"), r"patient\.mdtrt_cert_no: .*surrogate"),
        (lambda d: d["visit"].update(main_cond_dscr="\udfff"), r"visit\.main_cond_dscr: .*surrogate"),
    ],
)
def test_wrong_input_is_refused_with_its_field(change: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_visit(_broken(change))


def test_a_bill_whose_total_is_beyond_n16_2_is_refused() -> None:
    # Every line fits N16,2 (9,000,000,000,000.00 ≤ 99,999,999,999,999.99) but 12 of them do not.
    def huge(d: dict[str, Any]) -> None:
        template = d["items"][0]
        d["items"] = [
            {**template, "feedetl_sn": str(n), "pric": "9000000000", "cnt": "1000"} for n in range(1, 13)
        ]

    with pytest.raises(InputError, match=r"items: .*N16,2"):
        parse_visit(_broken(huge))


def test_diagnosis_codes_are_normalised_the_same_everywhere() -> None:
    # Lower case and surrounding spaces on the diagnosis and on the item both read as E11.900.
    def careless(d: dict[str, Any]) -> None:
        d["diagnoses"][0]["diag_code"] = " e11.900 "
        d["items"][0]["diag_code"] = "e11.900"
        d["items"][1]["diag_code"] = "E11.900\u3000"

    visit = parse_visit(_broken(careless))
    assert visit.diagnoses[0].diag_code == "E11.900"
    assert [item.diag_code for item in visit.items[:3]] == ["E11.900"] * 3
    assert visit.diagnoses[1].diag_code == "I10.x09"  # the 医保版 lower-case x is kept


def test_duplicate_diagnoses_are_found_after_normalising() -> None:
    with pytest.raises(InputError, match=r"E11\.900 appears more than once"):
        parse_visit(_broken(lambda d: d["diagnoses"][1].update(diag_code="e11.900 ")))


def test_item_codes_lose_surrounding_spaces_and_keep_their_case() -> None:
    visit = parse_visit(_broken(lambda d: d["items"][0].update(medins_list_codg=" Y001\t")))
    assert visit.items[0].medins_list_codg == "Y001"
    lower = parse_visit(_broken(lambda d: d["items"][0].update(medins_list_codg="y001")))
    assert lower.items[0].medins_list_codg == "y001"  # hospital dictionaries are case-sensitive


def test_deeply_nested_json_is_an_input_error(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(InputError, match=r"deep\.json is not valid JSON: .*nested too deeply"):
        load_visit(deep)


def test_a_visit_file_that_is_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"visit": "\xe9"}')
    with pytest.raises(InputError, match=r"latin\.json is not valid JSON"):
        load_visit(latin)


def test_a_directory_is_not_a_visit_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read visit file"):
        load_visit(tmp_path)


def test_right_input_is_still_accepted() -> None:
    visit = parse_visit(
        _broken(lambda d: d["items"][0].update(pric="9999999999.999999", cnt="0.0001", diag_code=""))
    )
    # 9,999,999,999.999999 × 0.0001 = 999,999.9999999999 → a line of 1,000,000.00 fits N16,2.
    assert visit.items[0].pric == Decimal("9999999999.999999")


def test_a_lone_surrogate_escape_in_a_file_is_named_by_its_place(tmp_path: Path) -> None:
    # "\ud800" is valid JSON syntax but not valid Unicode: nothing downstream could print or send it.
    path = tmp_path / "visit.json"
    document = _document()
    text = json.dumps(document, ensure_ascii=False)
    path.write_text(text.replace('"医生甲"', '"\\ud800"'), encoding="utf-8")
    with pytest.raises(
        InputError, match=r"visit\.json is not valid JSON: text at visit\.dr_name .*surrogate"
    ):
        load_visit(path)
    # A surrogate *pair* is one valid character (U+1F600) and is read as such.
    path.write_text(text.replace('"医生甲"', '"\\ud83d\\ude00"'), encoding="utf-8")
    assert load_visit(path).visit.dr_name == "\U0001f600"
