"""~300 bad visit files through ``opsp plan --json``: each ends with a typed error and exit code 2.

Issue #10 item 4: a hostile or careless visit file must never produce a traceback. The files
are a table, not random: every place of the example bill (``examples/visits/P1.json``) gets
every kind of bad value, plus whole files that are not visits at all. ``main`` runs in-process
(one command, as the console script runs it); its exit code and JSON error object are the
contract (README "Exit codes"): 2 = bad input, with at least one problem naming its field.
"""

from __future__ import annotations

import copy
import json
import re
import ssl
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapter.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "visits" / "P1.json"
BASE: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))

# Where to put a bad value: every kind of field of the bill.
PLACES: list[tuple[str, ...]] = [
    ("patient", "mdtrt_cert_type"),
    ("patient", "mdtrt_cert_no"),
    ("visit", "ipt_otp_no"),
    ("visit", "begntime"),
    ("visit", "dept_code"),
    ("visit", "dept_name"),
    ("visit", "dr_name"),
    ("diagnoses", "0", "diag_code"),
    ("diagnoses", "0", "diag_name"),
    ("diagnoses", "1", "diag_type"),
    ("items", "0", "feedetl_sn"),
    ("items", "0", "medins_list_codg"),
    ("items", "0", "cnt"),
    ("items", "1", "pric"),
    ("items", "2", "fee_ocur_time"),
    ("items", "3", "diag_code"),
    ("items", "4", "hosp_appr_flag"),
    ("items", "5", "prd_days"),
    ("acct_used_flag",),
]
# Bad values: wrong types, hostile text, hostile numbers, hostile dates.
VALUES: list[object] = [
    None,
    "",
    "   ",
    "\u3000",
    "\ud800",  # a lone surrogate
    1795311000,  # a Unix timestamp
    0.4,  # a float
    True,
    [],
    {"nested": {"deeper": [1, 2]}},
    "1" * 25 + ".5",
    "-1",
    "１２",  # full-width digits
    "2026-02-30 09:00:00",
    "x" * 5000,
    Decimal("1E+400"),
]


def _set(document: dict[str, Any], place: tuple[str, ...], value: object) -> None:
    node: Any = document
    for step in place[:-1]:
        node = node[int(step)] if isinstance(node, list) else node[step]
    node[place[-1]] = value


def _mutations() -> list[tuple[str, Callable[[dict[str, Any]], object]]]:
    table: list[tuple[str, Callable[[dict[str, Any]], object]]] = []
    for place in PLACES:
        for index, value in enumerate(VALUES):
            table.append(
                (f"{'.'.join(place)}={index}", lambda d, p=place, v=value: _set(d, p, v))  # type: ignore[misc]
            )
    for key in ("patient", "visit", "diagnoses", "items"):
        table.append((f"without-{key}", lambda d, k=key: d.pop(k)))  # type: ignore[misc]
        table.append((f"{key}-is-a-string", lambda d, k=key: d.update({k: "x"})))  # type: ignore[misc]
    table.append(("extra-top-level-key", lambda d: d.update({"surprise": 1})))
    table.append(("extra-key-with-surrogate", lambda d: d["visit"].update({"\udc80": 1})))
    table.append(("duplicate-feedetl_sn", lambda d: d["items"][1].update(feedetl_sn="1")))
    table.append(("no-items", lambda d: d.update(items=[])))
    table.append(
        (
            "total-beyond-N16,2",
            lambda d: d.update(items=[dict(d["items"][0], pric="9999999999", cnt="99999")]),
        )
    )
    return table


MUTATIONS = _mutations()

# Whole files that are not visits: (name, bytes).
RAW_FILES: list[tuple[str, bytes]] = [
    ("empty", b""),
    ("not-json", b"{"),
    ("array", b"[]"),
    ("number", b"12"),
    ("deep-array", b"[" * 100_000 + b"]" * 100_000),
    ("deep-object", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
    ("latin-1", '{"visit": "é"}'.encode("latin-1")),
    ("nan", b'{"patient": NaN}'),
    ("huge-integer", b'{"items": [{"cnt": ' + b"9" * 5000 + b"}]}"),
    ("bom-and-garbage", b"\xef\xbb\xbf\x00\x01"),
]


# Nothing listens there: a file that passes every check ends in exit 4 (platform unreachable)
# without waiting on a platform, and the ~300 commands stay fast.
NOWHERE = "http://127.0.0.1:9"


_SSL_CONTEXT: list[ssl.SSLContext] = []


@pytest.fixture(autouse=True)
def _fast_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test speed only: one TLS context for all ~300 commands (loading the CA store is 0.4 s each),
    and one attempt at the absent platform instead of three with back-off."""
    if not _SSL_CONTEXT:
        _SSL_CONTEXT.append(ssl.create_default_context())
    monkeypatch.setattr(ssl, "create_default_context", lambda *_a, **_k: _SSL_CONTEXT[0])
    monkeypatch.setenv("OPSP_RETRY__MAX_ATTEMPTS", "1")


def _plan(path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> tuple[int, dict[str, Any]]:
    code = main(["plan", str(path), "--json", "--platform", NOWHERE])
    out = capsysbinary.readouterr().out
    return code, json.loads(out)


def _write(tmp_path: Path, document: dict[str, Any]) -> Path:
    # ASCII JSON, so that a lone surrogate is written as its escape (as a careless exporter
    # would); a Decimal as the bare number it stands for (1E+400).
    text = json.dumps(document, ensure_ascii=True, default=lambda number: f"@@{number}@@")
    path = tmp_path / "visit.json"
    path.write_text(re.sub(r'"@@(.*?)@@"', r"\1", text), encoding="ascii")
    return path


@pytest.mark.parametrize(("name", "change"), MUTATIONS, ids=[name for name, _ in MUTATIONS])
def test_a_bad_visit_file_is_a_typed_error_with_exit_2(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], name: str, change: Any
) -> None:
    document = copy.deepcopy(BASE)
    change(document)
    code, answer = _plan(_write(tmp_path, document), capsysbinary)
    if code == 4:
        # A value acceptable where it lands (a long dr_name is): the file passed every check
        # and the command went on to the (absent) platform.
        assert answer["error"]["code"] == "platform_unreachable", answer
        return
    assert code == 2, (name, code, answer)
    problems = answer["error"]["problems"]
    assert problems, answer
    assert all(problem["message"] for problem in problems)


@pytest.mark.parametrize(("name", "body"), RAW_FILES, ids=[name for name, _ in RAW_FILES])
def test_a_file_that_is_not_a_visit_is_a_typed_error_with_exit_2(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], name: str, body: bytes
) -> None:
    path = tmp_path / f"{name}.json"
    path.write_bytes(body)
    code, answer = _plan(path, capsysbinary)
    assert code == 2, (name, code, answer)
    assert answer["error"]["code"] == "invalid_input"


def test_there_are_about_three_hundred_files() -> None:
    assert len(MUTATIONS) + len(RAW_FILES) >= 300
