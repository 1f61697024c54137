"""The mock's own JSON codec: money stays `Decimal` from bytes to bytes.

Decoding uses `parse_float=Decimal`, so `1000.00` arrives as `Decimal("1000.00")`, never as a float.
Encoding writes a `Decimal` as a JSON number with its exact digits (`1000.00` stays `1000.00` on the wire,
STYLE.md §5); the standard encoder cannot do that without a float round trip, hence this small writer.
Non-finite numbers (NaN, Infinity) are rejected both ways: they are not JSON.

Decoding runs msgspec's C parser first, its `float_hook` given each fraction's own text (the same bounded
`Decimal` as below); whatever it refuses, and any body with a run of 40 digits (an integer it would take
whole), is read by `json.loads` as before, whose verdict stands: the same value or the same error for every
body, in a third of the time (issue #18; property-tested against `json.loads` in tests/mock_platform/
test_codec.py).

Numbers are bounded on input (`MAX_NUMBER_CHARS` characters, exponent within `MAX_EXPONENT`): the widest
number the protocol has is N16,6 (23 characters), and an unbounded one is a denial of service — a 4,301-digit
integer makes `int()` raise, `1e1000000000` is a cheap `Decimal` that becomes a billion digits when written
out in fixed-point (the request digest does exactly that).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import Any

import msgspec

# A number literal longer than this, or with an exponent beyond +-MAX_EXPONENT, is refused on input.
MAX_NUMBER_CHARS = 40
MAX_EXPONENT = 40


class CodecError(ValueError):
    """The bytes are not JSON, or a value cannot be written as JSON."""


class NumberOutOfRangeError(CodecError):
    """A JSON number too long or with too large an exponent to be any value of the protocol."""


def _reject_constant(name: str) -> Any:
    raise CodecError(f"non-finite number {name} is not JSON")


def _bounded(text: str) -> None:
    if len(text) > MAX_NUMBER_CHARS:
        raise NumberOutOfRangeError(f"a JSON number has more than {MAX_NUMBER_CHARS} characters")


def _parse_int(text: str) -> int:
    _bounded(text)
    return int(text)


def _parse_float(text: str) -> Decimal:
    _bounded(text)
    try:
        value = Decimal(text)
    except InvalidOperation:  # an exponent beyond what Decimal itself can hold
        raise NumberOutOfRangeError(f"a JSON number has an exponent beyond +-{MAX_EXPONENT}") from None
    if abs(value.adjusted()) > MAX_EXPONENT:
        raise NumberOutOfRangeError(f"a JSON number has an exponent beyond +-{MAX_EXPONENT}")
    return value


def decode(body: bytes) -> Any:
    """Parse a JSON document (UTF-8, UTF-16 or UTF-32 as `json.loads` detects), floats as `Decimal`.

    Raises `NumberOutOfRangeError` for a number beyond the bounds above, `CodecError` for anything not JSON.
    """
    if _LONG_DIGITS not in body.translate(_DIGITS_AS_ZERO):
        try:
            return _FAST.decode(body)
        except Exception:  # not JSON, a number out of bounds, a BOM, UTF-16, an escaped lone surrogate...
            pass  # json.loads decides, as it always did
    try:
        return json.loads(
            body, parse_float=_parse_float, parse_int=_parse_int, parse_constant=_reject_constant
        )
    except CodecError:
        raise
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise CodecError(str(exc)) from exc


# msgspec reads an integer of any length (json's parse_int bounds it): a body with 40 digits in a row goes
# to json.loads (a long digit string in a text value too, which is only slower).
# (Every digit made "0", then a search for 40 of them: in C, about a microsecond a body, where the regex
# [0-9]{40} took ten, trying 40 digits from every digit.)
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGITS = b"0" * MAX_NUMBER_CHARS
_FAST = msgspec.json.Decoder(float_hook=_parse_float)


def may_hold_surrogates(body: bytes) -> bool:
    """Whether a decoded body can hold a lone surrogate at all: only an escape (or UTF-16/32) carries one."""
    return b"\\u" in body or b"\x00" in body


def has_lone_surrogate(value: Any) -> bool:
    """Whether any string (or key) of a decoded JSON value holds half of a UTF-16 surrogate pair."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if any("\ud800" <= char <= "\udfff" for char in item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def encode(value: Any, *, sort_keys: bool = False) -> bytes:
    """Serialise to compact UTF-8 JSON, writing `Decimal` values digit for digit.

    `sort_keys` writes every object's members in key order (a canonical form, for digests).
    """
    parts: list[str] = []
    _write(value, parts, sort_keys)
    # A request may smuggle a lone surrogate ("\ud800") into text the platform echoes (an err_msg naming
    # a value). UTF-8 cannot carry it; backslashreplace writes the JSON escape \ud800, which is valid JSON.
    return "".join(parts).encode("utf-8", errors="backslashreplace")


_SORTED = msgspec.json.Encoder(decimal_format="number", order="deterministic")
_EXPONENT = re.compile(rb"[0-9]E[+-]")  # how str() writes a Decimal's exponent (1E+3, 1.5E-7)


def encode_sorted(value: Any) -> bytes:
    """`encode(value, sort_keys=True)`, for a value as `decode` returns it (no floats: they never come from
    decoding): written by msgspec in C, every object's keys sorted as Python sorts them (code points).

    msgspec writes a Decimal as `str()` does; where that chose an exponent (1E+3, which `encode` writes
    1000), and for whatever msgspec cannot write (a lone surrogate, an integer beyond 64 bits), the value
    is written by `encode` instead: the bytes are always `encode`'s (the idempotency digests' form, #18).
    """
    try:
        encoded = _SORTED.encode(value)
    except Exception:
        return encode(value, sort_keys=True)
    if _EXPONENT.search(encoded) is not None:
        return encode(value, sort_keys=True)
    return encoded


_ANSWERS = msgspec.json.Encoder(decimal_format="number")


def encode_answer(value: Any) -> bytes:
    """`encode(value)`, for an answer the mock built (its envelope around a handler's dumped wire model):
    written by msgspec in C, about four times faster than the writer below (issue #18).

    msgspec escapes text as `json.dumps(ensure_ascii=False)` does (every code point checked) and writes a
    Decimal as `str()` does; where that chose an exponent (1E+3, which `encode` writes 1000), and for
    whatever msgspec cannot write (a lone surrogate, a mapping other than a dict, NaN), the value is written
    by `encode`, so the bytes are `encode`'s. Unlike `encode`, msgspec writes a float, a set or a datetime
    instead of refusing it: none is in an answer (its values are text, Decimal, int and None, in dicts and
    lists), and tests/conftest.py holds every answer the suite's calls produce to `encode`'s bytes, where
    such a value would fail.
    """
    try:
        encoded = _ANSWERS.encode(value)
    except Exception:
        return encode(value)
    if _EXPONENT.search(encoded) is not None:
        return encode(value)
    return encoded


# The standard library's string escaper (what json.dumps(..., ensure_ascii=False) uses), called directly.
_encode_string: Any = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring
_LITERALS = {None: "null", True: "true", False: "false"}

# Every answer goes through this writer, so it is written for speed: a value is dispatched on its exact type
# first (str, Decimal, dict and list are nearly all there is, and an object's str and Decimal members are
# written in its own loop), and the isinstance checks (subclasses, other mappings and sequences, refusals)
# are only the fallback.


def _write(value: Any, parts: list[str], sort_keys: bool) -> None:
    kind = type(value)
    if kind is str:
        parts.append(_encode_string(value))
    elif kind is Decimal:
        parts.append(_decimal_text(value))
    elif kind is dict:
        _write_object(value, parts, sort_keys)
    elif kind is list:
        _write_array(value, parts, sort_keys)
    elif isinstance(value, str):
        parts.append(_encode_string(value))
    elif isinstance(value, Decimal):
        parts.append(_decimal_text(value))
    elif value is None or isinstance(value, bool):
        parts.append(_LITERALS[value])
    elif isinstance(value, int):
        parts.append(int.__repr__(value))
    elif isinstance(value, Mapping):
        _write_object(value, parts, sort_keys)
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        _write_array(value, parts, sort_keys)
    else:
        # Floats are refused on purpose: an amount that became a float has already lost its digits.
        raise CodecError(f"cannot encode {type(value).__name__} as JSON")


def _write_object(value: Mapping[Any, Any], parts: list[str], sort_keys: bool) -> None:
    append = parts.append
    items: Iterable[tuple[Any, Any]] = value.items()
    if sort_keys:
        try:
            items = sorted(items, key=itemgetter(0))
        except TypeError as exc:  # keys of several types: not all of them strings
            raise CodecError("JSON object keys must be strings") from exc
    separator = "{"
    for key, item in items:
        if type(key) is not str and not isinstance(key, str):
            raise CodecError("JSON object keys must be strings")
        append(separator)
        separator = ","
        append(_encode_string(key))
        append(":")
        kind = type(item)
        if kind is str:
            append(_encode_string(item))
        elif kind is Decimal:
            append(_decimal_text(item))
        else:
            _write(item, parts, sort_keys)
    append("}" if separator == "," else "{}")


def _write_array(value: Sequence[Any], parts: list[str], sort_keys: bool) -> None:
    separator = "["
    for item in value:
        parts.append(separator)
        separator = ","
        _write(item, parts, sort_keys)
    parts.append("]" if separator == "," else "[]")


def _decimal_text(value: Decimal) -> str:
    # Fixed-point notation keeps trailing zeros (1000.00) and avoids exponents (1E+3), which some
    # platform-side parsers reject. str() gives exactly that, four times faster than format(), unless
    # it chose an exponent; and it is "NaN"/"Infinity" for what is not a number.
    text = str(value)
    if "E" in text or not value.is_finite():
        if not value.is_finite():
            raise CodecError("non-finite Decimal is not JSON")
        return format(value, "f")
    return text
