"""The mock's own JSON codec: money stays `Decimal` from bytes to bytes.

Decoding uses `parse_float=Decimal`, so `1000.00` arrives as `Decimal("1000.00")`, never as a float.
Encoding writes a `Decimal` as a JSON number with its exact digits (`1000.00` stays `1000.00` on the wire,
STYLE.md §5); the standard encoder cannot do that without a float round trip, hence this small writer.
Non-finite numbers (NaN, Infinity) are rejected both ways: they are not JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any


class CodecError(ValueError):
    """The bytes are not JSON, or a value cannot be written as JSON."""


def _reject_constant(name: str) -> Any:
    raise CodecError(f"non-finite number {name} is not JSON")


def decode(body: bytes) -> Any:
    """Parse a JSON document (UTF-8, UTF-16 or UTF-32 as `json.loads` detects), floats as `Decimal`."""
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CodecError(str(exc)) from exc


def encode(value: Any) -> bytes:
    """Serialise to compact UTF-8 JSON, writing `Decimal` values digit for digit."""
    parts: list[str] = []
    _write(value, parts)
    # A request may smuggle a lone surrogate ("\ud800") into text the platform echoes (an err_msg naming
    # a value). UTF-8 cannot carry it; backslashreplace writes the JSON escape \ud800, which is valid JSON.
    return "".join(parts).encode("utf-8", errors="backslashreplace")


# The standard library's string escaper (what json.dumps(..., ensure_ascii=False) uses), called directly.
_encode_string: Any = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring
_LITERALS = {None: "null", True: "true", False: "false"}


def _write(value: Any, parts: list[str]) -> None:
    if isinstance(value, str):
        parts.append(_encode_string(value))
    elif isinstance(value, Decimal):
        parts.append(_decimal_text(value))
    elif value is None or isinstance(value, bool):
        parts.append(_LITERALS[value])
    elif isinstance(value, int):
        parts.append(int.__repr__(value))
    elif isinstance(value, Mapping):
        _write_object(value, parts)
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        _write_array(value, parts)
    else:
        # Floats are refused on purpose: an amount that became a float has already lost its digits.
        raise CodecError(f"cannot encode {type(value).__name__} as JSON")


def _write_object(value: Mapping[Any, Any], parts: list[str]) -> None:
    parts.append("{")
    for index, (key, item) in enumerate(value.items()):
        if not isinstance(key, str):
            raise CodecError("JSON object keys must be strings")
        if index:
            parts.append(",")
        parts.append(_encode_string(key))
        parts.append(":")
        _write(item, parts)
    parts.append("}")


def _write_array(value: Sequence[Any], parts: list[str]) -> None:
    parts.append("[")
    for index, item in enumerate(value):
        if index:
            parts.append(",")
        _write(item, parts)
    parts.append("]")


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        raise CodecError("non-finite Decimal is not JSON")
    # Fixed-point notation keeps trailing zeros (1000.00) and avoids exponents (1E+3), which some
    # platform-side parsers reject.
    return format(value, "f")
