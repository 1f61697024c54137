"""What commands print: text for people, JSON for machines — one JSON dialect for every command.

JSON is written by the wire codec (adapter/_codec.py): amounts as exact decimal numbers, as the
platform writes them (``12.30``, never a float); times as ``yyyy-MM-dd HH:mm:ss`` and dates as
``yyyy-MM-dd``, as the protocol writes them (PROTOCOL.md §1.6).
"""

from __future__ import annotations

import dataclasses
import sys
from enum import Enum
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel

from .._codec import encode

__all__ = ["emit", "plain", "print_json"]


def plain(value: Any) -> Any:
    """Models, dataclasses, enums, sets and tuples as the codec's dicts, lists and scalars."""
    if isinstance(value, BaseModel):
        return plain(value.model_dump(mode="python"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(plain(item) for item in value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, PurePath):
        return str(value)
    return value


def print_json(value: Any) -> None:
    sys.stdout.buffer.write(encode(plain(value)) + b"\n")
    sys.stdout.flush()


def emit(value: Any, text: str, *, as_json: bool) -> None:
    """``value`` as JSON under ``--json``, else ``text``."""
    if as_json:
        print_json(value)
    else:
        print(text)
