"""The encoder's fast paths write every value as the plain encoder it replaced (kept here as the
reference): the same bytes, or the same error."""

from __future__ import annotations

import decimal
import json.encoder
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapter import encode
from adapter._codec import json_text

_dump_string = json.encoder.encode_basestring


def _reference_encode(value: object) -> bytes:
    parts: list[str] = []
    _reference_write(value, parts.append)
    return "".join(parts).encode("utf-8")


def _reference_write(value: object, append: Callable[[str], None]) -> None:
    if value is None:
        append("null")
    elif value is True:
        append("true")
    elif value is False:
        append("false")
    elif isinstance(value, str):
        append(_dump_string(value))
    elif isinstance(value, int):
        append(str(int(value)))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be sent as a JSON number")
        if value.is_zero() and value.is_signed():
            value = value.copy_abs()
        append(format(value, "f"))
    elif isinstance(value, datetime):
        append(_dump_string(value.strftime("%Y-%m-%d %H:%M:%S")))
    elif isinstance(value, date):
        append(_dump_string(value.isoformat()))
    elif isinstance(value, float):
        raise TypeError("floats are not allowed on the wire; use Decimal")
    elif isinstance(value, Mapping):
        append("{")
        for index, (key, item) in enumerate(dict(value).items()):
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be str, not {type(key).__name__}")
            append(("," if index else "") + _dump_string(key) + ":")
            _reference_write(item, append)
        append("}")
    elif isinstance(value, Sequence):
        append("[")
        for index, item in enumerate(list(value)):
            append("," if index else "")
            _reference_write(item, append)
        append("]")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")


class _Text(str):
    pass


class _Number(Decimal):
    pass


class _Dict(dict[Any, Any]):
    pass


_DECIMALS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.from_regex(r"\A-?[0-9]{1,12}(\.[0-9]{0,8})?([eE][+-]?[0-9]{1,2})?\Z").map(Decimal),
    st.sampled_from(["-0.00", "0E-7", "1E+2", "-1.5E-9", "123.456E+3", "0.000001", "0.0000001"]).map(Decimal),
)
_KEYS = st.one_of(st.text(max_size=6), st.sampled_from(["infno", "msgid", "input", "名字"]))
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=10),
    st.text(max_size=3).map(_Text),
    _DECIMALS,
    _DECIMALS.filter(lambda d: d.is_finite()).map(lambda d: _Number(d)),
    st.floats(),
    st.dates(),
    st.datetimes(
        min_value=datetime(1000, 1, 1), timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=8))])
    ),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(_KEYS, inner, max_size=5),
        st.dictionaries(st.one_of(_KEYS, st.integers(), st.none()), inner, max_size=2),
        st.dictionaries(_KEYS, inner, max_size=3).map(OrderedDict),
        st.dictionaries(_KEYS, inner, max_size=3).map(MappingProxyType),
        st.dictionaries(_KEYS, inner, max_size=3).map(_Dict),
    ),
    max_leaves=20,
)


def _outcome(function: Callable[[object], bytes], value: object) -> tuple[str, object]:
    try:
        return "bytes", function(value)
    except (TypeError, ValueError) as error:
        return type(error).__name__, str(error)


@settings(max_examples=1500)
@given(_VALUES)
def test_encode_writes_every_value_as_the_plain_encoder(value: object) -> None:
    assert _outcome(encode, value) == _outcome(_reference_encode, value)
    if not isinstance(value, str):
        assert _outcome(lambda v: json_text(v).encode("utf-8"), value) == _outcome(_reference_encode, value)


def test_keys_are_written_alike_first_and_after() -> None:
    assert encode({"a": 1, "b": {"a": 2, "b": {}}, "c": [{"b": 3}, {}]}) == (
        b'{"a":1,"b":{"a":2,"b":{}},"c":[{"b":3},{}]}'
    )
    assert encode([Decimal("1E+2"), Decimal("1E-7"), Decimal("12.50"), Decimal("-0E-3")]) == (
        b"[100,0.0000001,12.50,0.000]"
    )


def test_a_context_writing_lower_case_exponents_changes_nothing() -> None:
    # A host may set capitals=0: str(Decimal("1E+2")) is then "1e+2", which is no fixed-point text.
    with decimal.localcontext() as context:
        context.capitals = 0
        assert encode([Decimal("1E+2"), Decimal("1E-7"), Decimal("12.50")]) == b"[100,0.0000001,12.50]"


class _Money(Decimal):
    """A host's Decimal subclass that prints itself for people."""

    def __str__(self) -> str:
        return f"{Decimal.__str__(self)} CNY"


def test_a_decimal_subclass_is_written_with_decimals_own_digits() -> None:
    # Its own __str__ is for people: the wire carries the number (1.50, not "1.50 CNY", which
    # is not JSON), exponent or not (1E+2 -> 100).
    assert encode({"a": _Money("1.50")}) == b'{"a":1.50}'
    assert encode([_Money("1E+2"), _Money("-0.00")]) == b"[100,0.00]"


def test_long_keys_are_written_but_not_kept() -> None:
    from adapter import _codec

    key = "k" * 65
    before = len(_codec._FIRST_KEYS), len(_codec._NEXT_KEYS)
    assert encode({key: 1, "a" + key: 2}) == b'{"' + key.encode() + b'":1,"a' + key.encode() + b'":2}'
    assert (len(_codec._FIRST_KEYS), len(_codec._NEXT_KEYS)) == before
    assert key not in _codec._FIRST_KEYS
    assert "a" + key not in _codec._NEXT_KEYS
