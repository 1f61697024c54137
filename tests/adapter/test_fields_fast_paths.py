"""The answer models' field validators take exact-type fast paths: they must read every value as the
plain versions (kept here as the reference) do, the same value or the same error."""

from __future__ import annotations

import decimal
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapter._money import has_places, to_decimal
from adapter.transactions import _fields


def _reference_places(places: int, value: Any) -> Decimal:
    number = to_decimal(value)
    if not has_places(number, places):
        raise ValueError(f"more than {places} decimal places: {number}")
    return number


def _reference_code(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return str(value)
    return value


def _reference_blank_is_none(value: Any) -> Any:
    return None if value is None or value == "" else value


def _outcome(function: Any, value: Any) -> tuple[str, Any]:
    try:
        result = function(value)
    except ValueError as error:
        return "error", str(error)
    # The same object (a Decimal keeps its own exponent: 1.50 stays 1.50), or an equal one of the same type.
    return "value", (type(result), repr(result), result is value)


_DECIMAL_TEXT = st.one_of(
    st.from_regex(r"\A[+-]?[0-9]{1,20}(\.[0-9]{0,9})?([eE][+-]?[0-9]{1,3})?\Z"),
    st.sampled_from(
        ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "-0.00", "0E-7", "1E+2", "1.230", "0.0000001"]
    ),
)
_VALUES = st.one_of(
    _DECIMAL_TEXT.map(Decimal),
    _DECIMAL_TEXT,
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=True),
    st.none(),
    st.text(max_size=8),
    st.sampled_from(["", " 1.5 ", "１２", "1,5"]),
    st.lists(st.integers(), max_size=2),
)


class _Text(str):
    pass


class _Number(Decimal):
    pass


@settings(max_examples=600)
@given(value=_VALUES, places=st.sampled_from([2, 4, 6]))
def test_places_reads_every_value_as_before(value: Any, places: int) -> None:
    check = _fields._places(places)
    assert _outcome(check, value) == _outcome(lambda v: _reference_places(places, v), value)


@settings(max_examples=400)
@given(value=_VALUES)
def test_codes_and_blanks_read_every_value_as_before(value: Any) -> None:
    assert _outcome(_fields._code, value) == _outcome(_reference_code, value)
    assert _outcome(_fields._optional_code, value) == _outcome(
        lambda v: "" if v is None else _reference_code(v), value
    )
    assert _outcome(_fields._blank_is_none, value) == _outcome(_reference_blank_is_none, value)


def test_subclasses_take_the_general_path() -> None:
    for value in (_Text(""), _Text("x"), _Number("1.234"), _Number("1.2")):
        assert _outcome(_fields._code, value) == _outcome(_reference_code, value)
        assert _outcome(_fields._blank_is_none, value) == _outcome(_reference_blank_is_none, value)
        assert _outcome(_fields._places(2), value) == _outcome(lambda v: _reference_places(2, v), value)


def test_the_fast_path_keeps_the_exponent_and_refuses_extra_places() -> None:
    check = _fields._places(2)
    value = Decimal("12.50")
    assert check(value) is value
    assert check(Decimal("12.500")) == Decimal("12.5")  # trailing zeros are not places
    assert str(check(Decimal("0E-7"))) == "0E-7"
    with pytest.raises(ValueError, match=r"^more than 2 decimal places: 0\.001$"):
        check(Decimal("0.001"))


@settings(max_examples=400)
@given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 1), timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=8))])
    )
)
def test_wire_datetimes_are_written_as_strftime_writes_them(moment: datetime) -> None:
    assert _fields._wire_datetime(moment) == moment.strftime(_fields.DATETIME_FORMAT)


def test_a_context_writing_lower_case_exponents_changes_nothing() -> None:
    # A host may set capitals=0: str(Decimal("1.23E-9")) is then "1.23e-9", whose point is no guide.
    with decimal.localcontext() as context:
        context.capitals = 0
        with pytest.raises(ValueError, match=r"^more than 6 decimal places: 1\.23e-9$"):
            _fields._places(6)(Decimal("1.23E-9"))
        assert _fields._places(2)(Decimal("1E+2")) == Decimal(100)
