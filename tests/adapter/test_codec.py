"""The JSON codec keeps money exact in both directions (STYLE.md §5)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapter import decode, encode


def test_amounts_are_written_as_numbers_with_their_own_digits() -> None:
    body = {"balc": Decimal("1000.00"), "pric": Decimal("0.400000"), "cnt": Decimal("60"), "name": "马建国"}
    assert encode(body) == '{"balc":1000.00,"pric":0.400000,"cnt":60,"name":"马建国"}'.encode()


def test_exponent_forms_and_negative_zero_become_plain_numbers() -> None:
    assert encode([Decimal("1E+2"), Decimal("-0.00"), Decimal("-25.10")]) == b"[100,0.00,-25.10]"


def test_scalars_and_nesting() -> None:
    assert encode({"a": [1, None, True, False, {"b": ""}]}) == b'{"a":[1,null,true,false,{"b":""}]}'


@pytest.mark.parametrize("bad", [1.5, Decimal("NaN"), Decimal("Infinity"), {1: "x"}, object()])
def test_values_that_cannot_be_sent_are_refused(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        encode({"x": bad})


def test_decoding_reads_fractions_as_decimal_and_integers_as_int() -> None:
    assert decode(b'{"balc":1000.00,"infcode":0,"r":0.7500}') == {
        "balc": Decimal("1000.00"),
        "infcode": 0,
        "r": Decimal("0.7500"),
    }
    assert str(decode(b"[0.1]")[0]) == "0.1"  # not 0.1000000000000000055511151231257827


@pytest.mark.parametrize("bad", [b"NaN", b"[Infinity]", b"{", b"\xff"])
def test_malformed_json_is_a_value_error(bad: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - UnicodeDecodeError is a ValueError too
        decode(bad)


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**14), max_value=10**14)
    | st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**9), max_value=10**9)
)
def test_decimal_round_trip_is_exact(value: Decimal) -> None:
    decoded = decode(encode({"v": value}))["v"]
    # Integral values come back as int; either way the number is the same, and a
    # fraction keeps its exact digits (scale included).
    assert Decimal(decoded) == value
    if value.as_tuple().exponent != 0 and not value.is_zero():
        assert isinstance(decoded, Decimal)
        assert decoded.as_tuple().exponent == value.as_tuple().exponent
