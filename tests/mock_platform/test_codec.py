"""The mock's JSON codec: Decimals keep their digits both ways; floats and non-finite numbers are refused."""

from __future__ import annotations

import enum
import json
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_platform import codec


def test_decimal_is_written_digit_for_digit() -> None:
    payload = {
        "balc": Decimal("1000.00"),
        "zero": Decimal("0.00"),
        "neg": Decimal("-25.10"),
        "big": Decimal("1E+3"),
    }
    assert codec.encode(payload) == b'{"balc":1000.00,"zero":0.00,"neg":-25.10,"big":1000}'


def test_decode_reads_numbers_with_a_point_as_decimal() -> None:
    assert codec.decode(b'{"a": 1000.00, "b": 3, "c": "x"}') == {"a": Decimal("1000.00"), "b": 3, "c": "x"}
    assert str(codec.decode(b"[0.10]")[0]) == "0.10"


def test_chinese_text_is_utf8_not_escaped() -> None:
    assert codec.encode({"err_msg": "未找到人员信息"}) == '{"err_msg":"未找到人员信息"}'.encode()


@pytest.mark.parametrize("value", [1.5, Decimal("NaN"), Decimal("Infinity"), object(), {1: "x"}])
def test_unencodable_values(value: Any) -> None:
    with pytest.raises(codec.CodecError):
        codec.encode({"v": value} if not isinstance(value, dict) else value)


@pytest.mark.parametrize("raw", [b"NaN", b"[Infinity]", b"{", b"\xff"])
def test_undecodable_bodies(raw: bytes) -> None:
    with pytest.raises(codec.CodecError):
        codec.decode(raw)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**14), max_value=10**14),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@given(json_values)
def test_round_trip(value: Any) -> None:
    assert codec.decode(codec.encode(value)) == value


def test_lone_surrogates_are_written_as_json_escapes() -> None:
    encoded = codec.encode({"err_msg": "不支持的交易编号[\ud800]"})
    assert encoded == '{"err_msg":"不支持的交易编号[\\ud800]"}'.encode()
    assert codec.decode(encoded) == {"err_msg": "不支持的交易编号[\ud800]"}


plain_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(plain_values, st.booleans())
def test_without_decimals_it_writes_what_the_standard_library_writes(value: Any, sort_keys: bool) -> None:
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys)
    assert codec.encode(value, sort_keys=sort_keys) == expected.encode("utf-8", errors="backslashreplace")


def test_sort_keys_sorts_every_object_and_keeps_arrays_in_order() -> None:
    value = {"b": [{"z": 1, "a": Decimal("2.50")}, "x"], "a": {"d": None, "c": True}}
    assert codec.encode(value, sort_keys=True) == b'{"a":{"c":true,"d":null},"b":[{"a":2.50,"z":1},"x"]}'
    assert codec.encode(value) == b'{"b":[{"z":1,"a":2.50},"x"],"a":{"d":null,"c":true}}'
    with pytest.raises(codec.CodecError):
        codec.encode({"a": 1, 2: "b"}, sort_keys=True)


class Label(str):
    pass


class Level(enum.IntEnum):
    HIGH = 3


def test_subclasses_and_other_containers_are_written_like_their_bases() -> None:
    value = MappingProxyType({"label": Label("甲"), "level": Level.HIGH, "pair": (Decimal("1.0"), "b")})
    assert codec.encode(value) == '{"label":"甲","level":3,"pair":[1.0,"b"]}'.encode()
    assert codec.encode([Decimal("1E-7"), Decimal("-0E+2"), Decimal("12.340")]) == b"[0.0000001,-0,12.340]"
    with pytest.raises(codec.CodecError):
        codec.encode({"raw": b"bytes"})


def _json_alone(body: bytes) -> tuple[str, str]:
    """What json.loads alone decides about a body (the decoder before issue #18): a value, or which error."""
    try:
        value = json.loads(
            body,
            parse_float=codec._parse_float,
            parse_int=codec._parse_int,
            parse_constant=codec._reject_constant,
        )
    except codec.NumberOutOfRangeError:
        return ("out of range", "")
    except (ValueError, RecursionError):
        return ("not JSON", "")
    return ("value", repr(value))


def _decoded(body: bytes) -> tuple[str, str]:
    try:
        value = codec.decode(body)
    except codec.NumberOutOfRangeError:
        return ("out of range", "")
    except codec.CodecError:
        return ("not JSON", "")
    return ("value", repr(value))


json_ish = st.text(alphabet='{}[]":,0123456789.eE+- \t\n\\u/dDtrfalsn\x00\x1f\x7f甲\ud800', max_size=40).map(
    lambda text: text.encode("utf-8", errors="surrogatepass")
)


@given(json_ish | st.binary(max_size=40) | json_values.map(lambda value: codec.encode(value)))
def test_decode_decides_every_body_as_json_loads_alone(body: bytes) -> None:
    # msgspec reads first; whatever it refuses goes to json.loads, so value, bounds and errors are json's.
    assert _decoded(body) == _json_alone(body)


@pytest.mark.parametrize(
    "body",
    [
        b"[" + b"1" * 40 + b"]",  # 40 characters: the longest number accepted
        b"[-" + b"1" * 39 + b"]",
        b"[" + b"1" * 41 + b"]",  # too long: msgspec would take it, json.loads bounds it
        b"[-" + b"1" * 40 + b"]",
        b"[1." + b"0" * 45 + b"]",
        b"[1e41]",
        b"[1e99999999999999999999]",  # beyond Decimal's own exponents
        b'{"a":1,"a":2.50}',  # the last duplicate wins
        b"\xef\xbb\xbf[1.0]",  # a byte-order mark: json.loads only
        '[1.5,"甲"]'.encode("utf-16"),
        b'["\\ud800"]',  # an escaped lone surrogate (refused later by the dispatcher)
        b"[NaN]",
        b"[1,]",
    ],
)
def test_decode_edges_are_json_loads_verdicts(body: bytes) -> None:
    assert _decoded(body) == _json_alone(body)


def test_an_exponent_beyond_decimals_own_is_out_of_range_not_an_internal_error() -> None:
    # Decimal("1e99999999999999999999") raises InvalidOperation, which escaped as an internal error.
    with pytest.raises(codec.NumberOutOfRangeError):
        codec.decode(b'{"x":-1E-99999999999999999999}')


decoded_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**39) + 1, max_value=10**39 - 1)
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**20), max_value=10**20)
    | st.sampled_from([Decimal("1E+3"), Decimal("-0E+2"), Decimal("1E-7"), Decimal("1.5E+10")]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(decoded_values)
def test_encode_sorted_writes_what_encode_with_sort_keys_writes(value: Any) -> None:
    # The idempotency digest's form: msgspec writes it, encode's bytes exactly (exponents, surrogates too).
    assert codec.encode_sorted(value) == codec.encode(value, sort_keys=True)


def test_encode_sorted_edges() -> None:
    value = {"b": [Decimal("1E+3"), "\ud800"], "a": {"é": 2**70, "e": Decimal("0.10")}, "A": "1E+3"}
    assert codec.encode_sorted(value) == codec.encode(value, sort_keys=True)
    assert codec.encode_sorted({"b": 1, "a": Decimal("2.50")}) == b'{"a":2.50,"b":1}'


@given(decoded_values | json_values)
def test_encode_answer_writes_what_encode_writes(value: Any) -> None:
    # An answer's form: msgspec writes it, encode's bytes exactly (exponents, long integers too).
    assert codec.encode_answer(value) == codec.encode(value)


def test_encode_answer_edges() -> None:
    value = {
        "b": [Decimal("1E+3"), "\ud800", '\x00\x1f\x7f\u2028"\\/'],
        "a": MappingProxyType({"label": Label("甲"), "level": Level.HIGH, "pair": (Decimal("-0E+2"), "b")}),
        "e": Decimal("0.10"),
        "big": 2**70,
        "text": "1E+3",
    }
    assert codec.encode_answer(value) == codec.encode(value)
    assert codec.encode_answer({"b": 1, "a": Decimal("2.50")}) == b'{"b":1,"a":2.50}'
    for refused in (Decimal("NaN"), {1: object()}, object()):
        with pytest.raises(codec.CodecError):
            codec.encode_answer({"v": refused})


def test_encode_answer_escapes_every_character_as_encode_does() -> None:
    text = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF)
    assert codec.encode_answer([text]) == codec.encode([text])
