"""``opsp conformance``: test a HIS against the mock platform — scenarios, a run, the report.

The kit's logic lives in ``mock_platform.conformance`` (it never imports the adapter); this is only its
command line. ``scenarios`` reads the list locally; ``start`` and ``report`` talk to a served mock
(``opsp mock serve``) over its ``/_mock`` control plane.

* ``opsp conformance scenarios [--json]``
* ``opsp conformance start NAME [--url URL]``: arm the mock for a scenario, print what to do at the HIS
* ``opsp conformance report [--since T] [--url URL] [--out DIR] [--json]``: write
  ``DIR/conformance-report.json`` and ``.html``; exit 0 when everything passed, 3 when a rule failed (the
  report says which, with its evidence and a ``fix:`` line: what to change and the clause), 4 when the mock
  cannot be reached.

``--control-token`` (default: the OPSP_MOCK_CONTROL_TOKEN variable) is sent when the mock is not on
loopback.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from .._errors import ConnectError, InputError
from ._failure import EXIT_ATTENTION, EXIT_OK
from ._output import emit

DEFAULT_URL = "http://127.0.0.1:8080"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("conformance", help="test a HIS against the mock platform")
    actions = parser.add_subparsers(dest="conformance_command", required=True, metavar="ACTION")

    scenarios = actions.add_parser("scenarios", help="list the scenarios a HIS must handle")
    scenarios.add_argument("--json", action="store_true", help="print JSON")
    scenarios.set_defaults(func=scenarios_command)

    start = actions.add_parser("start", help="arm the served mock for a scenario")
    start.add_argument("name", help="a scenario name (see `opsp conformance scenarios`)")
    _mock_options(start)
    start.set_defaults(func=start_command)

    report = actions.add_parser("report", help="the conformance report of the traffic since a time")
    report.add_argument("--since", default="", help="ISO time, e.g. 2026-11-22T09:00:00 (default: all)")
    report.add_argument("--out", type=Path, default=Path("."), help="directory for the report files")
    _mock_options(report)
    report.set_defaults(func=report_command)


def _mock_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", default=DEFAULT_URL, help=f"the served mock (default {DEFAULT_URL})")
    parser.add_argument(
        "--control-token",
        default=os.environ.get("OPSP_MOCK_CONTROL_TOKEN", ""),
        help="the mock's control token (default: $OPSP_MOCK_CONTROL_TOKEN)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")


def scenarios_command(args: argparse.Namespace) -> int:
    from mock_platform.conformance.scenarios import SCENARIOS

    listed = [scenario.as_dict() for scenario in SCENARIOS.values()]
    lines = []
    for scenario in listed:
        lines.append(f"{scenario['name']}: {scenario['title']}")
        lines.extend(f"    {step}" for step in scenario["steps"])
        lines.append(f"    expected: {scenario['expect']}")
        lines.append(f"    rules: {', '.join(scenario['rules'])}")
    emit({"scenarios": listed}, "\n".join(lines), as_json=args.json)
    return EXIT_OK


def start_command(args: argparse.Namespace) -> int:
    answer = _control(args, "POST", f"/_mock/scenarios/{args.name}")
    scenario = answer["scenario"]
    text = "\n".join(
        [
            f"场景 {scenario['name']} 已启动: {scenario['title']}",
            *(f"  {step}" for step in scenario["steps"]),
            f"  expected: {scenario['expect']}",
            f"then: opsp conformance report --since {answer['run']['started_at'][:19]}",
        ]
    )
    emit(answer, text, as_json=args.json)
    return EXIT_OK


def report_command(args: argparse.Namespace) -> int:
    report = _control(args, "GET", "/_mock/conformance", params={"since": args.since} if args.since else {})
    page = _control_text(args, "/_mock/conformance.html", params={"since": args.since} if args.since else {})
    args.out.mkdir(parents=True, exist_ok=True)
    json_path = args.out / "conformance-report.json"
    html_path = args.out / "conformance-report.html"
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    html_path.write_text(page, encoding="utf-8")
    lines = [f"{report['verdict']}: {report['calls']} calls since {report['since'] or 'the start'}"]
    for line in report["scenarios"]:
        failed = [rule["rule"] for rule in line["rules"] if rule["verdict"] == "fail"]
        broken = f" ({', '.join(failed)})" if failed else ""
        lines.append(
            f"  scenario {line['scenario']} started {line['started_at'][:19]}: {line['verdict']}{broken}"
        )
    for rule in report["rules"]:
        lines.append(f"  rule {rule['rule']}: {rule['verdict']}")
        lines.extend(
            f"      #{item['entry_id']} {item['infno']} {item['msgid']}: {item['why']}"
            for item in rule["evidence"]
        )
        if rule["verdict"] == "fail":
            lines.append(f"      fix: {rule['advice']} ({rule['clause']})")
    lines.append(f"written: {json_path} {html_path}")
    emit(report | {"files": [str(json_path), str(html_path)]}, "\n".join(lines), as_json=args.json)
    return EXIT_ATTENTION if report["verdict"] == "fail" else EXIT_OK


def _request(args: argparse.Namespace, method: str, path: str, params: dict[str, str] | None = None) -> Any:
    import httpx

    headers = {"X-Mock-Control-Token": args.control_token} if args.control_token else {}
    try:
        response = httpx.request(
            method, args.url.rstrip("/") + path, params=params, headers=headers, timeout=30
        )
    except httpx.HTTPError as exc:
        raise ConnectError(f"the mock at {args.url} cannot be reached: {exc}") from exc
    if response.status_code >= 400:
        try:
            message = response.json().get("message", response.text)
        except ValueError:
            message = response.text
        raise InputError(f"the mock refused {method} {path}: {message}", where=path)
    return response


def _control(args: argparse.Namespace, method: str, path: str, params: dict[str, str] | None = None) -> Any:
    return _request(args, method, path, params).json()


def _control_text(args: argparse.Namespace, path: str, params: dict[str, str]) -> str:
    return str(_request(args, "GET", path, params).text)
