"""The one JSON codec between the adapter and the platform.

Amounts travel as JSON *numbers* (``"balc":1000.00``), and must stay exact in both
directions: decoding uses ``parse_float=Decimal``, and encoding writes a Decimal's
own digits, never routing it through ``float``. Floats are refused on the way out,
so a stray float in a request is a bug found at once rather than a fen lost later.

Decoding is msgspec's C parser, whose ``float_hook`` is given each fraction's own text for
``Decimal`` (integers stay ``int``, arbitrarily large): the same documents as ``json.loads(...,
parse_float=Decimal)`` in a quarter of the time. Whatever it refuses is handed to the standard
library, whose verdict (the value, or its error) stands, so every input decodes exactly as before:
``json`` alone accepts a byte-order mark, UTF-16/32 bytes and escaped lone surrogates (refused
below), and names the position of an error its way.

Encoding is deterministic (insertion order, compact separators, UTF-8 without
escaping Chinese), which is what makes golden exact-byte tests possible. Dates and
date-times are written as the protocol writes them: ``yyyy-MM-dd`` and
``yyyy-MM-dd HH:mm:ss`` (PROTOCOL.md §1.6).
"""

from __future__ import annotations

import json
import json.encoder
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

__all__ = ["decode", "encode", "json_string", "json_text"]

# The C string encoder json itself uses with ensure_ascii=False (a Python fallback otherwise).
_dump_string = json.encoder.encode_basestring

json_string: Callable[[str], str] = _dump_string
"""``json_text(text)`` for a ``str``: the same text, with no Python frame around the C encoder (an
envelope's five per-call strings, each call)."""


def encode(value: object) -> bytes:
    """Serialise ``value`` (dicts, lists, str, int, Decimal, bool, None, date, datetime) to UTF-8 JSON."""
    return json_text(value).encode("utf-8")


def json_text(value: object) -> str:
    """``encode(value)`` before its UTF-8 encoding: for callers that assemble a document from parts."""
    if type(value) is str:
        return _dump_string(value)
    parts: list[str] = []
    _write(value, parts.append)
    return "".join(parts)


def decode(data: bytes | str) -> Any:
    """Parse JSON, reading every number with a fraction or exponent as ``Decimal``.

    Integers stay ``int``. Raises ``ValueError`` on malformed input (including
    ``NaN``/``Infinity``, which JSON does not have, bytes that are not UTF-8, and
    nesting too deep for the parser, which would otherwise surface as ``RecursionError``).
    """
    try:
        document = _DECODER.decode(data)
    # ValueError: a str with a lone surrogate; InvalidOperation: a number Decimal cannot hold, which
    # the standard library's reading (through _decimal) turns into the ValueError it must be.
    except (msgspec.DecodeError, RecursionError, ValueError, InvalidOperation):
        document = _decode_with_json(data)
    if _may_hold_surrogates(data):
        _refuse_surrogates(document, "")
    return document


def _decimal(text: str) -> Decimal:
    """A JSON fraction's own text as ``Decimal``; an exponent beyond what ``Decimal`` can hold
    (``1e99999999999999999999``) is malformed input, not an arithmetic error from deep inside."""
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"a JSON number out of range: {text[:40]}") from None


# Decimal itself as the hook, not _decimal: no Python frame for each of the two hundred fractions of a
# visit's answers (it was about a third of decoding them); what it refuses is read again above.
_DECODER = msgspec.json.Decoder(float_hook=Decimal)


def _decode_with_json(data: bytes | str) -> Any:
    try:
        return json.loads(data, parse_float=_decimal, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


# A lone surrogate reaches a str only through a \uD800-\uDFFF escape (UTF-8 bytes cannot hold one),
# or, in JSON given as str, as the character itself: text that is not valid Unicode, which nothing
# downstream can print or send. A search of the text (in C) finds every document that may hold one;
# only those are walked, so the journal's own rows, full of Chinese, are not walked at every read.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE_IN_TEXT = re.compile("\\\\u[dD][89a-fA-F]|[\ud800-\udfff]")


def _may_hold_surrogates(data: bytes | str) -> bool:
    if isinstance(data, str):
        return _SURROGATE_IN_TEXT.search(data) is not None
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


def _write(value: object, append: Callable[[str], None]) -> None:
    # Exact-type fast paths for what envelopes and journal rows are made of, objects and arrays
    # inline (a third less time than one call per item); subclasses take the general path. An
    # object's member is two pieces: its key with what comes before it ("{" or ",") and the colon
    # (made once per key name), then its value.
    kind = type(value)
    if kind is str:
        append(_dump_string(value))  # type: ignore[arg-type]
    elif kind is dict:
        if not value:
            append("{}")
            return
        keys = _FIRST_KEYS
        for key, item in value.items():  # type: ignore[attr-defined]
            append(keys.get(key) or _key(key, keys))
            keys = _NEXT_KEYS
            kind = type(item)
            if kind is str:
                append(_dump_string(item))
            elif kind is Decimal:
                append(_decimal_literal(item))
            else:
                _write(item, append)
        append("}")
    elif kind is list or kind is tuple:
        separator = "["
        for item in value:  # type: ignore[attr-defined]
            append(separator)
            separator = ","
            _write(item, append)
        append("]" if separator == "," else "[]")
    elif kind is Decimal:
        append(_decimal_literal(value))  # type: ignore[arg-type]
    else:
        _write_general(value, append)


# Object keys as written, with what comes before them and their colon ('{"infno":' for an object's
# first member, ',"infno":' for the others): envelopes and rows repeat the same few hundred names.
_FIRST_KEYS: dict[object, str] = {}
_NEXT_KEYS: dict[object, str] = {}
_MAX_KEYS = 4096
_MAX_KEY_LENGTH = 64


def _key(key: object, keys: dict[object, str]) -> str:
    if not isinstance(key, str):
        raise TypeError(f"JSON object keys must be str, not {type(key).__name__}")
    text = ("{" if keys is _FIRST_KEYS else ",") + _dump_string(key) + ":"
    # Only short names: the cache is for the protocol's field names, and a long key (from a platform's or a
    # HIS's data) kept for the process's lifetime would be memory nobody asked for.
    if len(keys) < _MAX_KEYS and type(key) is str and len(key) <= _MAX_KEY_LENGTH:
        keys[key] = text
    return text


def _write_general(value: object, append: Callable[[str], None]) -> None:
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
        append(_decimal_literal(value))
    elif isinstance(value, datetime):
        append(_dump_string(value.strftime("%Y-%m-%d %H:%M:%S")))
    elif isinstance(value, date):
        append(_dump_string(value.isoformat()))
    elif isinstance(value, float):
        raise TypeError("floats are not allowed on the wire; use Decimal")
    elif isinstance(value, Mapping):
        _write(dict(value), append)
    elif isinstance(value, Sequence):
        _write(list(value), append)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def _decimal_literal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} cannot be sent as a JSON number")
    if value.is_zero() and value.is_signed():
        value = value.copy_abs()  # "-0.00" is legal JSON but confuses every reconciliation
    # Fixed-point notation keeps the digits as written: Decimal("1000.00") -> 1000.00,
    # Decimal("1E+2") -> 100 (never the exponent form, which some parsers reject). str writes
    # exactly that, in half the time, for every Decimal it does not give an exponent ("E", or "e"
    # in a context with capitals=0).
    # Decimal's own methods, not the value's: a subclass's __str__ (say "1.50 CNY") must not reach the wire.
    text = Decimal.__str__(value)
    return text if "E" not in text and "e" not in text else Decimal.__format__(value, "f")
