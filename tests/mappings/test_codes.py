"""Code systems: parsing, normalisation, and the properties of the ICD-10 parser."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mappings import MalformedCodeError, MappingError, lookup_diagnosis
from mappings.codes import (
    parse_admdvs,
    parse_benefit_code,
    parse_hospital_item_code,
    parse_icd,
    parse_local_disease_code,
    parse_national_item_code,
    parse_opsp_code,
    province_of,
)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("E11.900", "E11.900"),
        ("I10.x09", "I10.x09"),
        ("i10.X09", "I10.x09"),
        ("N18.902", "N18.902"),
        ("Z99.201", "Z99.201"),
        ("Z94.002", "Z94.002"),
        ("C16.9", "C16.9"),
        ("C49.900x003", "C49.900x003"),
        ("c49.900X003", "C49.900x003"),
        ("F20.800x001", "F20.800x001"),
        ("D66.x01", "D66.x01"),
        ("J06.900", "J06.900"),
        ("E11", "E11"),
        ("I10", "I10"),
        ("  e11.9 ", "E11.9"),
    ],
)
def test_icd_codes_are_normalised(raw: str, normalised: str) -> None:
    assert parse_icd(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "E1",
        "E111",
        "E11.",
        "E11.12345",
        "11.9",
        "EE1.9",
        "E11.900x12",
        "E11.9y",
        "Ｅ11.9",
        "E11.9 x003",
        "E11,9",
    ],
)
def test_malformed_icd_codes_raise_with_the_code(raw: str) -> None:
    with pytest.raises(MalformedCodeError) as caught:
        parse_icd(raw)
    assert caught.value.code == raw
    assert caught.value.system == "ICD-10"
    assert repr(raw) in str(caught.value)
    # The error is both a MappingError (a LookupError) and a ValueError.
    assert isinstance(caught.value, MappingError)
    assert isinstance(caught.value, LookupError)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("parse", "good", "expected", "bad"),
    [
        (parse_opsp_code, "m01600", "M01600", "M1600"),
        (parse_local_disease_code, "wh-s01", "WH-S01", "WHS01"),
        (parse_benefit_code, "M03900", "M03900", "M039"),
        (parse_benefit_code, "NM-B02H", "NM-B02H", "N-B02H"),
        (parse_hospital_item_code, " Y001 ", "Y001", "Y 001"),
        (parse_national_item_code, "XA10BAA059A001010100001", "XA10BAA059A001010100001", "XA10BAA059"),
        (parse_national_item_code, "001102000010000", "001102000010000", "00110200001000"),
        (
            parse_national_item_code,
            "003113000010000-311300001",
            "003113000010000-311300001",
            "0031130000100X0",
        ),
        (parse_national_item_code, "C03123456000000000000001", "C03123456000000000000001", "C0312345"),
        (parse_admdvs, "420100", "420100", "42010"),
    ],
)
def test_code_parsers(parse: object, good: str, expected: str, bad: str) -> None:
    assert callable(parse)
    assert parse(good) == expected
    with pytest.raises(MalformedCodeError):
        parse(bad)


def test_province_of() -> None:
    assert province_of(parse_admdvs("420100")) == "420000"
    assert province_of(parse_admdvs("150300")) == "150000"


# --- properties ---------------------------------------------------------------------------------------

# An independent statement of the grammar (the brief's words), not the implementation's regex.
_GRAMMAR = re.compile(r"[A-Za-z][0-9]{2}(\.[0-9xX]{1,4}([xX][0-9]{3})?)?", re.ASCII)


@st.composite
def well_formed_icd(draw: st.DrawFn) -> str:
    code = draw(st.sampled_from(string.ascii_letters)) + draw(st.text("0123456789", min_size=2, max_size=2))
    if draw(st.booleans()):
        code += "." + draw(st.text("0123456789xX", min_size=1, max_size=4))
        if draw(st.booleans()):
            code += draw(st.sampled_from("xX")) + draw(st.text("0123456789", min_size=3, max_size=3))
    return code


@given(well_formed_icd())
def test_well_formed_codes_never_raise(code: str) -> None:
    result = lookup_diagnosis(code)
    assert result.code == parse_icd(result.code)  # normalisation is idempotent
    assert result.code.upper() == code.upper()
    for candidate in result.candidates:
        assert candidate.diagnoses == (result.code,)


def _malformed(text: str) -> bool:
    return not text.isascii() or _GRAMMAR.fullmatch(text.strip()) is None


@given(st.text(max_size=16).filter(_malformed) | st.text("EIZ019.xX -", max_size=12).filter(_malformed))
def test_malformed_strings_always_raise(text: str) -> None:
    with pytest.raises(MalformedCodeError) as caught:
        lookup_diagnosis(text)
    assert caught.value.code == text
