"""``opsp reconcile``: close the day with the platform (3201/3202), classify and repair the differences.

Exit codes (adapter/cli/_failure.py): 0 balanced (after the repairs, when ``--repair`` ran them); 3 not
balanced (differences remain, a repair was declined or failed); 4 the platform unreachable or refusing; 2 bad
arguments; 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from .._adapter import Adapter
from .._clock import china_now
from ..reconcile import (
    ReconcileReport,
    RepairAction,
    render_html,
    render_reconcile_csv,
    render_reconcile_text,
)
from ._failure import EXIT_ATTENTION, EXIT_INPUT, EXIT_OK
from ._output import print_json
from ._platform import add_journal_option, add_platform_options, open_journal, platform_client
from ._progress import clear_bar, draw_bar, terminal_bar


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "reconcile",
        help="reconcile a day with the platform (3201/3202): find, classify and repair differences",
    )
    parser.add_argument(
        "--date", type=date.fromisoformat, metavar="DATE", help="yyyy-mm-dd (default: today, China time)"
    )
    parser.add_argument(
        "--to", type=date.fromisoformat, metavar="DATE", help="last day of a range (yyyy-mm-dd)"
    )
    parser.add_argument("--repair", action="store_true", help="run the proposed repairs (asks first)")
    parser.add_argument("--yes", action="store_true", help="with --repair: do not ask")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--html", metavar="PATH", help="also write the HTML report (needs the report extra)")
    parser.add_argument("--csv", metavar="PATH", help="also write the CSV report")
    add_platform_options(parser)
    add_journal_option(parser)
    parser.set_defaults(func=reconcile_command)


def reconcile_command(args: argparse.Namespace) -> int:
    first = args.date or china_now().date()  # the platform's setl_time is China time, as ``opsp day``'s
    last = args.to or first
    if last < first:
        print(f"opsp reconcile: --to {last} is before --date {first}", file=sys.stderr)
        return EXIT_INPUT
    progress = draw_bar if terminal_bar() else None
    with open_journal(args) as journal, platform_client(args) as client:
        adapter = Adapter(client, journal=journal)
        found = adapter.reconcile(first, last, progress=progress)
        clear_bar(progress)
        report, after = found, None
        repairable = [d for d in found.differences if d.repair.action != RepairAction.MANUAL]
        if args.repair and repairable and _confirmed(found, args):
            report = adapter.reconcile(first, last, repair=True, progress=progress)
            after = adapter.reconcile(first, last, progress=progress)  # did the repairs balance it?
            clear_bar(progress)
        hospital = client.settings.fixmedins_name
    final = after or report
    if args.csv:
        Path(args.csv).write_text(render_reconcile_csv(report), encoding="utf-8")
    if args.html:
        Path(args.html).write_text(render_html(report, hospital=hospital), encoding="utf-8")
    if args.json:
        print_json(_document(report, after))
    else:
        print(render_reconcile_text(report))
        if after is not None:
            verdict = "对账平" if after.balanced else f"仍不平，差异 {len(after.differences)} 笔"
            print(f"修复后复核：{verdict}")
    return EXIT_OK if final.balanced else EXIT_ATTENTION


def _confirmed(report: ReconcileReport, args: argparse.Namespace) -> bool:
    if args.yes:
        return True
    if not args.json:
        print(render_reconcile_text(report))
    print("执行以上修复？[y/N] ", end="", file=sys.stderr, flush=True)
    try:
        answer = sys.stdin.readline()
    except OSError:  # no usable stdin: no confirmation
        answer = ""
    return answer.strip().lower() in ("y", "yes", "是")


def _document(report: ReconcileReport, after: ReconcileReport | None) -> dict[str, Any]:
    def one(r: ReconcileReport) -> dict[str, Any]:
        return {"balanced": r.balanced, **r.model_dump(mode="python")}

    document = one(report)
    document["after_repair"] = None if after is None else one(after)
    return document
