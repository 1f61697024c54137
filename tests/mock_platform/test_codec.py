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
