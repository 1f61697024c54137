"""The public surface: every exported name exists and ``__all__`` is sorted (httpx's test)."""

from __future__ import annotations

import importlib

import pytest


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions.
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


@pytest.mark.parametrize("package", ["adapter", "mappings", "mock_platform"])
def test_exported_members(package: str) -> None:
    module = importlib.import_module(package)
    exported = list(module.__all__)
    assert exported == sorted(exported, key=_isort_key)
    for name in exported:
        assert hasattr(module, name), f"{package}.{name} is in __all__ but missing"
