"""The registry of national-interface transactions, keyed by infno.

Adding a transaction is one small module (``tNNNN.py`` defining ``Input``,
``Output`` and ``TRANSACTION``) plus one entry in ``_MODULES`` below.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType, ModuleType
from typing import Any

from . import (
    t1101,
    t1309,
    t1312,
    t1319,
    t1320,
    t1901,
    t2001,
    t2201,
    t2202,
    t2203,
    t2204,
    t2205,
    t2206,
    t2207,
    t2208,
    t2503,
    t2504,
    t2601,
    t3201,
    t3202,
    t4203,
    t4205,
    t5201,
    t5203,
    t5204,
    t5206,
    t5301,
    t9001,
    t9002,
    t9101,
    t9102,
)
from ._base import InputModel, OutputModel, Transaction

__all__ = ["REGISTRY", "InputModel", "OutputModel", "Transaction", "lookup"]

_MODULES = (
    # Sign-in, person and eligibility.
    t9001,
    t9002,
    t1101,
    t5301,
    t2001,
    # Chronic-disease filings made by the hospital (2503) and their revocation (2504).
    t2503,
    t2504,
    # The outpatient visit: registration, upload, settlement, their reversals.
    t2201,
    t2202,
    t2203,
    t2204,
    t2205,
    t2206,
    t2207,
    t2208,
    t2601,
    # Queries used to resolve unknown outcomes and to reconcile.
    t5201,
    t5203,
    t5204,
    t5206,
    # The outbox: bills not settled directly, uploaded (seed 002 三(四)).
    t4205,
    t4203,
    # Reconciliation and files.
    t3201,
    t3202,
    t9101,
    t9102,
    # Catalogues and dictionaries (adapter.catalogue).
    t1312,
    t1319,
    t1320,
    t1309,
    t1901,
)


def _index(modules: tuple[ModuleType, ...]) -> Mapping[str, Transaction[Any, Any]]:
    index: dict[str, Transaction[Any, Any]] = {}
    for module in modules:
        transaction: Transaction[Any, Any] = module.TRANSACTION
        if transaction.infno in index:
            raise RuntimeError(f"infno {transaction.infno} is registered twice")
        index[transaction.infno] = transaction
    return MappingProxyType(index)


REGISTRY: Mapping[str, Transaction[Any, Any]] = _index(_MODULES)


def lookup(infno: str) -> Transaction[Any, Any]:
    """The transaction with this infno; ``KeyError`` naming it if there is none."""
    try:
        return REGISTRY[infno]
    except KeyError:
        raise KeyError(f"no transaction registered for infno {infno!r}") from None
