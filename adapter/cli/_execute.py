"""``opsp dry-run``, ``opsp settle``, ``opsp recover``, ``opsp outbox``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from .._adapter import Adapter
from .._codec import encode
from ..execution import ChainStatus, Journal, SqliteJournal, plan_refund
from ..execution._render import (
    render_outbox,
    render_recovery,
    render_refund,
    render_refund_plan,
    render_result,
)
from ..planning._render import render_plan
from ._platform import add_platform_options, platform_client

DEFAULT_JOURNAL = "opsp-journal.sqlite3"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dry = commands.add_parser("dry-run", help="plan, pre-settle every batch (2201…2206), then undo it all")
    _visit_options(dry, journal_default=None)
    dry.set_defaults(func=dry_run)
    settle = commands.add_parser("settle", help="settle a visit for real, journaled")
    _visit_options(settle, journal_default=DEFAULT_JOURNAL)
    settle.set_defaults(func=settle_command)
    rec = commands.add_parser("recover", help="finish or unwind every batch left in flight")
    add_platform_options(rec)
    _journal_option(rec, DEFAULT_JOURNAL)
    rec.add_argument("--json", action="store_true", help="print JSON")
    rec.set_defaults(func=recover_command)
    refund = commands.add_parser(
        "refund", help="refund a settlement: newest-first chain, re-settling what follows"
    )
    refund.add_argument("setl_id", metavar="SETL_ID", help="the settlement to refund")
    refund.add_argument(
        "--lines", help="refund only these lines: FEEDETL_SN,FEEDETL_SN,... (a partial refund)"
    )
    refund.add_argument("--plan", action="store_true", help="show the steps and change nothing")
    refund.add_argument("--json", action="store_true", help="print JSON")
    add_platform_options(refund)
    _journal_option(refund, DEFAULT_JOURNAL)
    refund.set_defaults(func=refund_command)
    out = commands.add_parser("outbox", help="fee details not settled directly, due for upload")
    _journal_option(out, DEFAULT_JOURNAL)
    out.add_argument("--due-by", type=date.fromisoformat, help="only entries due by this date (yyyy-mm-dd)")
    out.add_argument("--all", action="store_true", help="include entries already marked sent")
    out.add_argument("--json", action="store_true", help="print JSON")
    out.set_defaults(func=outbox_command)


def _visit_options(parser: argparse.ArgumentParser, *, journal_default: str | None) -> None:
    parser.add_argument("visit", metavar="VISIT.json", help="the bill, in the visit-file format")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    add_platform_options(parser)
    _journal_option(parser, journal_default)


def _journal_option(parser: argparse.ArgumentParser, default: str | None) -> None:
    where = f"default ./{default}" if default else "default: in memory"
    parser.add_argument("--journal", default=default, metavar="PATH", help=f"the journal database ({where})")


@contextmanager
def _journal(path: str | None) -> Iterator[Journal]:
    journal = SqliteJournal(path or ":memory:")
    try:
        yield journal
    finally:
        journal.close()


def dry_run(args: argparse.Namespace) -> int:
    with _journal(args.journal) as journal, platform_client(args) as client:
        adapter = Adapter(client, journal=journal)
        planned = adapter.plan(args.visit)
        result = adapter.dry_run(planned)
    if args.json:
        _print(
            {"plan": planned.plan.model_dump(mode="python"), "result": result.model_dump(mode="python")}, True
        )
    else:
        _print(render_plan(planned.plan) + "\n\n" + render_result(result), False)
    return 0


def settle_command(args: argparse.Namespace) -> int:
    with _journal(args.journal) as journal, platform_client(args) as client:
        result = Adapter(client, journal=journal).settle(args.visit)
    _print(result.model_dump(mode="python") if args.json else render_result(result), args.json)
    return 0 if all(batch.status in ("settled", "self_pay") for batch in result.batches) else 3


def recover_command(args: argparse.Namespace) -> int:
    with _journal(args.journal) as journal, platform_client(args) as client:
        actions = Adapter(client, journal=journal).recover()
    if args.json:
        _print([{**vars(a), "before": a.before.value, "after": a.after.value} for a in actions], True)
    else:
        _print(render_recovery(actions), False)
    return 0 if all(a.after.terminal for a in actions) else 3


def refund_command(args: argparse.Namespace) -> int:
    lines = [sn.strip() for sn in args.lines.split(",") if sn.strip()] if args.lines else None
    with _journal(args.journal) as journal:
        plan = plan_refund(journal, args.setl_id, lines=lines)
        if args.plan:
            _print(plan.model_dump(mode="python") if args.json else render_refund_plan(plan), args.json)
            return 0
        if not args.json:
            _print(render_refund_plan(plan) + "\n", False)  # the cashier sees the chain before it runs
        with platform_client(args) as client:
            result = Adapter(client, journal=journal).refund(args.setl_id, lines=lines)
    if args.json:
        document = result.model_dump(mode="python")
        document["changes"] = [
            {**change.model_dump(mode="python"), "collect": change.collect, "pay_back": change.pay_back}
            for change in result.changes
        ]
        _print(document, True)
    else:
        _print(render_refund(result, with_plan=False), False)
    return 0 if result.status == ChainStatus.DONE else 3


def outbox_command(args: argparse.Namespace) -> int:
    with _journal(args.journal) as journal:
        entries = journal.outbox(due_by=args.due_by, include_sent=args.all)
    if args.json:
        _print(
            [
                {
                    **vars(e),
                    "payload": e.payload.model_dump(mode="python"),
                    "created_at": str(e.created_at),
                    "due": str(e.due),
                    "sent_at": str(e.sent_at or ""),
                }
                for e in entries
            ],
            True,
        )
    else:
        _print(render_outbox(entries), False)
    return 0


def _print(value: object, as_json: bool) -> None:
    if as_json:
        sys.stdout.buffer.write(encode(value) + b"\n")
        sys.stdout.flush()
    else:
        print(value)
