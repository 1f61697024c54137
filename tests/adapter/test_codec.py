"""The JSON codec keeps money exact in both directions (STYLE.md §5)."""

from __future__ import annotations

import json
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


# decode is msgspec's parser with the standard library behind it: every document must read exactly as
# json.loads(..., parse_float=Decimal) reads it (same values, same types, a Decimal's own digits and
# exponent, key order), and whatever json refuses must still be a ValueError.

_NUMBER = st.from_regex(r"-?(0|[1-9][0-9]{0,45})(\.[0-9]{1,40})?([eE][+-]?[0-9]{1,4})?", fullmatch=True)
_SPACE = st.sampled_from(["", " ", "\n", "\t", "\r\n  "])


def _string(text: str, ascii_only: bool) -> str:
    return json.dumps(text, ensure_ascii=ascii_only)


# Surrogates too: a pair escaped by ensure_ascii reads as one character, a lone one is not Unicode.
_TEXT = st.text() | st.sampled_from(["\ud83d\ude00", "a\ud800", "\udfffb", '\u2028\x7f\x00"\\/'])
_STRING = st.builds(_string, _TEXT, st.booleans())
_SCALAR = _NUMBER | _STRING | st.sampled_from(["null", "true", "false"])


def _array(items: list[str], space: str) -> str:
    return "[" + space + f"{space},{space}".join(items) + space + "]"


def _object(members: list[tuple[str, str]], space: str) -> str:
    pairs = (f"{key}{space}:{space}{value}" for key, value in members)
    return "{" + space + f"{space},{space}".join(pairs) + "}"


_DOCUMENT = st.recursive(
    _SCALAR,
    lambda inner: (
        st.builds(_array, st.lists(inner, max_size=5), _SPACE)
        | st.builds(_object, st.lists(st.tuples(_STRING, inner), max_size=5), _SPACE)
    ),
    max_leaves=30,
)


def _standard(data: bytes | str) -> object:
    return json.loads(data, parse_float=Decimal)


def _exactly(value: object) -> object:
    """``value`` with every Decimal's digits and exponent and every type spelled out, key order kept."""
    if isinstance(value, dict):
        return ("dict", [(key, _exactly(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [_exactly(item) for item in value])
    if isinstance(value, Decimal):
        return ("Decimal", value.as_tuple())
    return (type(value).__name__, value)


@given(_DOCUMENT, _SPACE, st.booleans())
def test_decode_reads_every_document_as_the_standard_library_does(
    document: str, space: str, as_bytes: bool
) -> None:
    text = space + document + space
    data: bytes | str = text.encode("utf-8", "surrogatepass") if as_bytes else text
    try:
        expected = _standard(data)
    except (ValueError, RecursionError):
        with pytest.raises(ValueError):  # noqa: PT011 - a lone surrogate, or an int past Python's limit
            decode(data)
        return
    if _has_lone_surrogate(expected):
        return  # text that is not Unicode: decode refuses what it can see (tests below), json reads it
    assert _exactly(decode(data)) == _exactly(expected)


def _has_lone_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(key) or _has_lone_surrogate(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def _first_half(text: str) -> bytes:
    return text[: len(text) // 2].encode("utf-8", "surrogatepass")


@given(st.binary(max_size=64) | _DOCUMENT.map(_first_half))
def test_decode_refuses_what_the_standard_library_refuses(data: bytes) -> None:
    try:
        expected = _standard(data)
    except (ValueError, RecursionError):
        with pytest.raises(ValueError):  # noqa: PT011 - the error decode has always raised
            decode(data)
        return
    assert _exactly(decode(data)) == _exactly(expected)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"123456789012345678901234567890", 123456789012345678901234567890),
        (b"-" + b"9" * 4300, -int("9" * 4300)),  # json's limit counts digits only; msgspec refuses it
        (b"\xef\xbb\xbf{}", {}),  # a UTF-8 byte-order mark, which json skips and msgspec refuses
        ('{"a":1}'.encode("utf-16"), {"a": 1}),  # json reads UTF-16 bytes
        (b'{"a":1,"b":2,"a":3}', {"a": 3, "b": 2}),
    ],
)
def test_decode_keeps_what_only_the_standard_library_reads(data: bytes, expected: object) -> None:
    assert _exactly(decode(data)) == _exactly(expected)


@pytest.mark.parametrize(
    "data",
    [
        b'"\\ud800"',
        '"\ud800"',
        b"[" * 100_000 + b"]" * 100_000,
        b"1" * 4301,
        b"1e5 x",
        b'{"x":1e99999999999999999999}',  # beyond Decimal's exponents: InvalidOperation escaped before
        b"[-1E-99999999999999999999]",
    ],
)
def test_decode_errors_stay_value_errors(data: bytes | str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the codec's one error type for bad JSON
        decode(data)


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("1.0E+2", (0, (1, 0), 1)),
        ("1.50", (0, (1, 5, 0), -2)),
        ("-0.000", (1, (0,), -3)),
        ("1e-7", (0, (1,), -7)),
        ("12345678901234567890123.5e-3", (0, tuple(int(c) for c in "123456789012345678901235"), -4)),
    ],
)
def test_decode_gives_each_fraction_its_own_digits(text: str, digits: tuple[object, ...]) -> None:
    assert decode(text.encode()).as_tuple() == digits
