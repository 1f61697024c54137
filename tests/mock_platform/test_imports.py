"""The hard rule: mock_platform is an independent implementation and never imports adapter or mappings."""

from __future__ import annotations

import ast
from pathlib import Path

import mock_platform

PACKAGE = Path(mock_platform.__file__).resolve().parent
FORBIDDEN = {"adapter", "mappings"}
_DYNAMIC_IMPORTS = {"import_module", "__import__"}


def imported_roots(tree: ast.AST) -> set[str]:
    """Top-level packages a module imports: statically, or via import_module/__import__ with a literal."""
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and _called_name(node.func) in _DYNAMIC_IMPORTS:
            for argument in node.args[:1]:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    roots.add(argument.value.split(".")[0])
    return roots


def _called_name(function: ast.expr) -> str:
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return ""


def test_no_module_imports_the_adapter_or_mappings() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 20
    offenders = {}
    for path in modules:
        names = imported_roots(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))) & FORBIDDEN
        if names:
            offenders[str(path.relative_to(PACKAGE))] = sorted(names)
    assert offenders == {}


def test_the_walker_sees_every_form_of_import() -> None:
    source = (
        "import adapter.wire\nfrom mappings.x import y\nimport importlib\nimportlib.import_module('adapter')"
    )
    assert imported_roots(ast.parse(source)) == {"adapter", "mappings", "importlib"}
    assert imported_roots(ast.parse("from . import adapter\n__import__('mappings')")) == {"mappings"}
