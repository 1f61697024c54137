"""``opsp day``: the day's settlements and refunds per receipt category and insutype, with totals (日结).

Exit codes: 0 (also for a day with nothing settled); 1 a bad journal; 2 bad arguments.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from .._adapter import Adapter
from .._clock import china_now
from ..execution import OutboxUpload
from ..reconcile import day_ledger, render_day_csv, render_day_text
from ._failure import EXIT_ATTENTION, EXIT_OK
from ._output import print_json
from ._platform import add_journal_option, add_platform_options, open_journal, platform_client


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("day", help="the day's settlements and refunds with totals (日结)")
    parser.add_argument("--date", type=date.fromisoformat, metavar="DATE", help="yyyy-mm-dd (default: today)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--csv", metavar="PATH", help="also write the CSV")
    add_platform_options(parser)  # which platform's journal, when --journal is not given
    add_journal_option(parser)
    parser.set_defaults(func=day_command)


def day_command(args: argparse.Namespace) -> int:
    day = args.date or china_now().date()
    with open_journal(args) as journal:
        ledger = day_ledger(journal, day)
    if args.csv:
        Path(args.csv).write_text(render_day_csv(ledger), encoding="utf-8")
    if args.json:
        print_json(ledger)
    else:
        print(render_day_text(ledger))
    return EXIT_OK


def upload_command(args: argparse.Namespace) -> int:
    """``opsp outbox --upload``: work the outbox — 4205 + 4203 per entry, overdue first; 0 when all sent."""
    with open_journal(args) as journal, platform_client(args) as client:
        results = Adapter(client, journal=journal).upload_outbox(due_by=args.due_by)
    if args.json:
        print_json(results)
    else:
        print(render_uploads(results))
    return EXIT_OK if all(r.status in ("sent", "nothing") for r in results) else EXIT_ATTENTION


def render_uploads(results: list[OutboxUpload]) -> str:
    if not results:
        return "待上传费用明细：无"
    lines = [f"待上传费用明细 {len(results)} 条（逾期优先）:"]
    for r in results:
        flag = "【逾期】" if r.overdue else ""
        lines.append(
            f"  {flag}#{r.outbox_id} {r.visit_key} 批次{r.batch_number} 应于{r.due}前上传："
            f"{r.lines}行 {r.medfee_sumamt}元 — {r.message}"
        )
    sent = sum(1 for r in results if r.status in ("sent", "nothing"))
    lines.append(f"已完成 {sent}/{len(results)}")
    return "\n".join(lines)
