"""The one JSON codec between the adapter and the platform.

Amounts travel as JSON *numbers* (``"balc":1000.00``), and must stay exact in both
directions: decoding uses ``parse_float=Decimal``, and encoding writes a Decimal's
own digits, never routing it through ``float``. Floats are refused on the way out,
so a stray float in a request is a bug found at once rather than a fen lost later.

Encoding is deterministic (insertion order, compact separators, UTF-8 without
escaping Chinese), which is what makes golden exact-byte tests possible. Dates and
date-times are written as the protocol writes them: ``yyyy-MM-dd`` and
``yyyy-MM-dd HH:mm:ss`` (PROTOCOL.md §1.6).
"""

from __future__ import annotations

import json
import json.encoder
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

__all__ = ["decode", "encode"]

# The C string encoder json itself uses with ensure_ascii=False (a Python fallback otherwise).
_dump_string = json.encoder.encode_basestring


def encode(value: object) -> bytes:
    """Serialise ``value`` (dicts, lists, str, int, Decimal, bool, None, date, datetime) to UTF-8 JSON."""
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts).encode("utf-8")


def decode(data: bytes | str) -> Any:
    """Parse JSON, reading every number with a fraction or exponent as ``Decimal``.

    Integers stay ``int``. Raises ``ValueError`` on malformed input (including
    ``NaN``/``Infinity``, which JSON does not have, bytes that are not UTF-8, and
    nesting too deep for the parser, which would otherwise surface as ``RecursionError``).
    """
    try:
        document = json.loads(data, parse_float=Decimal, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if _may_hold_surrogates(data):
        _refuse_surrogates(document, "")
    return document


# A lone surrogate reaches a str only through a \uD800-\uDFFF escape (UTF-8 bytes cannot hold one):
# text that is not valid Unicode, which nothing downstream can print or send.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _may_hold_surrogates(data: bytes | str) -> bool:
    if isinstance(data, str):
        return not data.isascii() or _SURROGATE_ESCAPE.search(data.encode("ascii")) is not None
    return _SURROGATE_ESCAPE.search(data) is not None


def _refuse_surrogates(value: Any, path: str) -> None:
    if isinstance(value, str):
        if any("\ud800" <= char <= "\udfff" for char in value):
            raise ValueError(f"text at {path or 'the top'} is not valid Unicode (a lone surrogate)")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_surrogates(key, path)
            _refuse_surrogates(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_surrogates(item, f"{path}[{index}]")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _write(value: object, parts: list[str]) -> None:
    # Exact-type fast paths for what envelopes are made of; subclasses take the general path.
    if type(value) is str:
        parts.append(_dump_string(value))
    elif type(value) is dict:
        _write_object(value, parts)
    elif type(value) is Decimal:
        parts.append(_decimal_literal(value))
    else:
        _write_general(value, parts)


def _write_general(value: object, parts: list[str]) -> None:
    if value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, str):
        parts.append(_dump_string(value))
    elif isinstance(value, int):
        parts.append(str(value))
    elif isinstance(value, Decimal):
        parts.append(_decimal_literal(value))
    elif isinstance(value, datetime):
        parts.append(_dump_string(value.strftime("%Y-%m-%d %H:%M:%S")))
    elif isinstance(value, date):
        parts.append(_dump_string(value.isoformat()))
    elif isinstance(value, float):
        raise TypeError("floats are not allowed on the wire; use Decimal")
    elif isinstance(value, Mapping):
        _write_object(value, parts)
    elif isinstance(value, Sequence):
        _write_array(value, parts)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def _write_object(value: Mapping[object, object], parts: list[str]) -> None:
    parts.append("{")
    for index, (key, item) in enumerate(value.items()):
        if not isinstance(key, str):
            raise TypeError(f"JSON object keys must be str, not {type(key).__name__}")
        if index:
            parts.append(",")
        parts.append(_dump_string(key))
        parts.append(":")
        _write(item, parts)
    parts.append("}")


def _write_array(value: Sequence[object], parts: list[str]) -> None:
    parts.append("[")
    for index, item in enumerate(value):
        if index:
            parts.append(",")
        _write(item, parts)
    parts.append("]")


def _decimal_literal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} cannot be sent as a JSON number")
    if value.is_zero() and value.is_signed():
        value = value.copy_abs()  # "-0.00" is legal JSON but confuses every reconciliation
    # Fixed-point notation keeps the digits as written: Decimal("1000.00") -> 1000.00,
    # Decimal("1E+2") -> 100 (never the exponent form, which some parsers reject).
    return format(value, "f")
