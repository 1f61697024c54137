"""The serve extra stays optional: the core install never imports FastAPI (STYLE.md §9, "Optional parts")."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from structlog.testing import capture_logs

from tests.test_boundaries import ROOT

from .helpers import p1, served_app

SERVE_ONLY = {"fastapi", "starlette", "schemathesis", "jsonschema"}


def test_the_library_and_the_cli_load_without_fastapi() -> None:
    # A fresh interpreter: what `import adapter` (and building the whole CLI parser) loads.
    code = (
        "import sys, adapter, adapter.cli; adapter.cli.build_parser(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[1:])))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, *SERVE_ONLY], capture_output=True, text=True, check=True, timeout=60
    )
    assert run.stdout.strip() == "[]"


def test_only_the_service_package_imports_fastapi() -> None:
    offenders = []
    for path in sorted((ROOT / "adapter").rglob("*.py")):
        if path.is_relative_to(ROOT / "adapter" / "service"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            if any(name.split(".")[0] in SERVE_ONLY for name in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_no_personal_data_in_the_service_logs(tmp_path: Path) -> None:
    with served_app(tmp_path) as s, capture_logs() as events:
        s.post("/v1/patients/lookup", {"mdtrt_cert_type": "02", "mdtrt_cert_no": "640104196203152010"})
        s.post("/v1/settlements", p1(), key="HIS-BILL-0001")
        bad = p1()
        bad["items"][0]["pric"] = "x"
        s.post("/v1/plan", bad)
    access = [e for e in events if e["event"] == "http_request"]
    assert [(e["route"], e["status"], e["desk"]) for e in access] == [
        ("/v1/patients/lookup", 200, "desk-1"),
        ("/v1/settlements", 200, "desk-1"),
        ("/v1/plan", 422, "desk-1"),
    ]
    text = repr(events)
    for personal in ("640104196203152010", "马建国", "马*国", "A64010001", "ec-demo-p1"):
        assert personal not in text
