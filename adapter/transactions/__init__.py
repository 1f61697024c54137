"""The registry of national-interface transactions, keyed by infno.

Adding a transaction is one small module (``tNNNN.py`` defining ``Input``,
``Output`` and ``TRANSACTION``) plus one entry in ``_MODULES`` below.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from . import t1101, t2001, t5301, t9001, t9002
from ._base import InputModel, OutputModel, Transaction

__all__ = ["REGISTRY", "InputModel", "OutputModel", "Transaction", "lookup"]

_MODULES = (t9001, t9002, t1101, t5301, t2001)

REGISTRY: Mapping[str, Transaction[Any, Any]] = MappingProxyType(
    {module.TRANSACTION.infno: module.TRANSACTION for module in _MODULES}
)


def lookup(infno: str) -> Transaction[Any, Any]:
    """The transaction with this infno; ``KeyError`` naming it if there is none."""
    try:
        return REGISTRY[infno]
    except KeyError:
        raise KeyError(f"no transaction registered for infno {infno!r}") from None
